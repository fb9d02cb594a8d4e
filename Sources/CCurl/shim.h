#include <curl/curl.h>

/* curl_easy_setopt/getinfo are variadic, which Swift cannot call: one typed inline wrapper per argument kind. */
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v)                   { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v)            { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v)          { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v)               { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v)    { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_cb(CURL *h, CURLoption o, curl_write_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_read_cb(CURL *h, CURLoption o, curl_read_callback v)   { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out)                 { return curl_easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_string(CURL *h, CURLINFO i, char **out)              { return curl_easy_getinfo(h, i, out); }
static inline curl_version_info_data *ccurl_version_info(void)                            { return curl_version_info(CURLVERSION_NOW); }
static inline CURLcode ccurl_setopt_opensocket_cb(CURL *h, curl_opensocket_callback v)    { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v); }
static inline CURLcode ccurl_setopt_debug_cb(CURL *h, curl_debug_callback v)              { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }
static inline CURLcode ccurl_setopt_hostkey_cb(CURL *h, curl_sshhostkeycallback v)        { return curl_easy_setopt(h, CURLOPT_SSH_HOSTKEYFUNCTION, v); }
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *out)             { return curl_easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *out)          { return curl_easy_getinfo(h, i, out); }
