#!/usr/bin/env bash
# Checks the delivery test servers of deploy/lib.sh's start_delivery_servers with the curl CLI, by hand (CI does not
# run it): starts them in a scratch folder, sends to each what a channel would (and what it must be refused), checks
# what arrived, and stops them whatever happens. Prints one line a check and `N passed, N failed` at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/lib.sh

install_packages
python_env
state=$(mktemp -d /tmp/herald-smoke.XXXXXX)
chmod 755 "$state"
trap 'stop_delivery_servers "$state/servers"; rm -rf "$state"' EXIT
started=$(date +%s%N)
start_delivery_servers "$state/servers"
say "servers ready after $(( ($(date +%s%N) - started) / 1000000 )) ms"

passed=0 failed=0
check() {
    local name=$1
    shift
    if "$@" >"$state/check.log" 2>&1; then
        # A refusal shows why (curl's message), so a check cannot pass for the wrong reason unseen.
        passed=$((passed + 1)); echo "ok      $name$( [ -s "$state/check.log" ] && echo " -- $(head -n 1 "$state/check.log")")"
    else
        failed=$((failed + 1)); echo "FAILED  $name"; sed 's/^/        /' "$state/check.log"
    fi
}
refused() { ! "$@"; }
# Polls (at most 10 s) until FILE exists.
arrives() { local i; for i in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
same() { cmp "$1" "$2"; }

payload=$state/payload.bin
head -c 100000 /dev/urandom > "$payload"
printf 'From: herald@example.test\r\nTo: someone@example.test\r\nSubject: smoke\r\n\r\nhello\r\n' > "$state/mail.eml"
smtp_tls=(--ssl-reqd --cacert "$HERALD_TEST_SMTP_CA" --mail-from herald@example.test)
maildir=$HERALD_TEST_SMTP_MAILDIR

check "smtp plain: sent" curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_PORT" --mail-from herald@example.test \
    --mail-rcpt someone@example.test --mail-rcpt reject-me@example.test --mail-rcpt-allowfails -T "$state/mail.eml"
check "smtp plain: stored as 1.eml + 1.json, rejected recipient left out" sh -c "
    for i in \$(seq 1 100); do [ -e '$maildir/1.json' ] && break; sleep 0.1; done
    cmp '$maildir/1.eml' '$state/mail.eml' &&
    grep -q '\"rcpt_tos\": \[\"someone@example.test\"\]' '$maildir/1.json' && grep -q '\"server\": \"plain\"' '$maildir/1.json'"
check "smtp plain: all recipients rejected is an error" refused curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_PORT" \
    --mail-from herald@example.test --mail-rcpt reject@example.test -T "$state/mail.eml"
check "smtp starttls: sent with AUTH" curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_STARTTLS_PORT" "${smtp_tls[@]}" \
    --user "herald:$HERALD_TEST_SMTP_PASSWORD" --mail-rcpt other@example.test -T "$state/mail.eml"
check "smtp starttls: stored as 2.json from the starttls server" sh -c "
    for i in \$(seq 1 100); do [ -e '$maildir/2.json' ] && break; sleep 0.1; done
    grep -q '\"server\": \"starttls\"' '$maildir/2.json'"
check "smtp starttls: wrong password refused" refused curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_STARTTLS_PORT" \
    "${smtp_tls[@]}" --user herald:wrong --mail-rcpt other@example.test -T "$state/mail.eml"
check "smtp starttls: no AUTH refused" refused curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_STARTTLS_PORT" \
    "${smtp_tls[@]}" --mail-rcpt other@example.test -T "$state/mail.eml"
check "smtp starttls: no TLS refused" refused curl -sS "smtp://127.0.0.1:$HERALD_TEST_SMTP_STARTTLS_PORT" \
    --user "herald:$HERALD_TEST_SMTP_PASSWORD" --mail-from herald@example.test --mail-rcpt other@example.test \
    -T "$state/mail.eml"
check "smtp starttls: certificate not trusted without the CA" refused curl -sS \
    "smtp://127.0.0.1:$HERALD_TEST_SMTP_STARTTLS_PORT" --ssl-reqd --user "herald:$HERALD_TEST_SMTP_PASSWORD" \
    --mail-from herald@example.test --mail-rcpt other@example.test -T "$state/mail.eml"

sftp=sftp://127.0.0.1:$HERALD_TEST_SFTP_PORT$HERALD_TEST_SFTP_ROOT
pin=(--hostpubsha256 "$HERALD_TEST_SFTP_HOST_KEY_SHA256")
check "sftp: upload with the key" curl -sS "${pin[@]}" --key "$HERALD_TEST_SFTP_KEY" -u "$HERALD_TEST_SFTP_USER:" \
    -T "$payload" "$sftp/by-key.bin"
check "sftp: the upload landed in HERALD_TEST_SFTP_ROOT" same "$HERALD_TEST_SFTP_ROOT/by-key.bin" "$payload"
check "sftp: upload with the password" curl -sS "${pin[@]}" -u "$HERALD_TEST_SFTP_USER:$HERALD_TEST_SFTP_PASSWORD" \
    -T "$payload" "$sftp/by-password.bin"
check "sftp: mkdir and rename (temporary name, then the real one)" curl -sS "${pin[@]}" --ftp-create-dirs \
    -u "$HERALD_TEST_SFTP_USER:$HERALD_TEST_SFTP_PASSWORD" -T "$payload" "$sftp/sub/dir/file.tmp" \
    -Q "-rename $HERALD_TEST_SFTP_ROOT/sub/dir/file.tmp $HERALD_TEST_SFTP_ROOT/sub/dir/file.bin"
check "sftp: renamed file is whole" same "$HERALD_TEST_SFTP_ROOT/sub/dir/file.bin" "$payload"
check "sftp: wrong password refused" refused curl -sS "${pin[@]}" -u "$HERALD_TEST_SFTP_USER:wrong" \
    -T "$payload" "$sftp/wrong.bin"
check "sftp: the RSA key (libssh2 signs ssh-rsa) refused by sshd's defaults" refused curl -sS "${pin[@]}" \
    --key "$HERALD_TEST_SFTP_RSA_KEY" -u "$HERALD_TEST_SFTP_USER:" -T "$payload" "$sftp/rsa.bin"
check "sftp: a wrong pin refused" refused curl -sS --hostpubsha256 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    -u "$HERALD_TEST_SFTP_USER:$HERALD_TEST_SFTP_PASSWORD" -T "$payload" "$sftp/pin.bin"
check "sftp alt: refused with the first server's pin" refused curl -sS "${pin[@]}" \
    -u "$HERALD_TEST_SFTP_USER:$HERALD_TEST_SFTP_PASSWORD" -T "$payload" \
    "sftp://127.0.0.1:$HERALD_TEST_SFTP_ALT_PORT$HERALD_TEST_SFTP_ROOT/alt.bin"
alt_pin=$(ssh-keygen -l -E sha256 -f "$state/servers/sftp/sftp-alt.host_key.pub" | awk '{print $2}' | sed 's/^SHA256://')
check "sftp alt: its own pin differs and works" sh -c "[ '$alt_pin' != '$HERALD_TEST_SFTP_HOST_KEY_SHA256' ] &&
    curl -sS --hostpubsha256 '$alt_pin' -u '$HERALD_TEST_SFTP_USER:$HERALD_TEST_SFTP_PASSWORD' -T '$payload' \
    'sftp://127.0.0.1:$HERALD_TEST_SFTP_ALT_PORT$HERALD_TEST_SFTP_ROOT/alt.bin'"

ftp_login=(-u "$HERALD_TEST_FTP_USER:$HERALD_TEST_FTP_PASSWORD")
check "ftp: upload into a new folder" curl -sS "${ftp_login[@]}" --ftp-create-dirs -T "$payload" \
    "ftp://127.0.0.1:$HERALD_TEST_FTP_PORT/out/plain.bin"
check "ftp: the upload landed in HERALD_TEST_FTP_ROOT" same "$HERALD_TEST_FTP_ROOT/out/plain.bin" "$payload"
check "ftp: rename and delete" curl -sS "${ftp_login[@]}" -T "$payload" "ftp://127.0.0.1:$HERALD_TEST_FTP_PORT/r.tmp" \
    -Q "-RNFR r.tmp" -Q "-RNTO r.bin" -Q "-DELE out/plain.bin"
check "ftp: renamed, deleted" sh -c "cmp '$HERALD_TEST_FTP_ROOT/r.bin' '$payload' && [ ! -e '$HERALD_TEST_FTP_ROOT/out/plain.bin' ]"
check "ftp: wrong password refused" refused curl -sS -u "$HERALD_TEST_FTP_USER:wrong" -T "$payload" \
    "ftp://127.0.0.1:$HERALD_TEST_FTP_PORT/wrong.bin"
check "ftps explicit: upload" curl -sS "${ftp_login[@]}" --ssl-reqd --cacert "$HERALD_TEST_FTP_CA" -T "$payload" \
    "ftp://127.0.0.1:$HERALD_TEST_FTPS_PORT/explicit.bin"
check "ftps explicit: landed" same "$HERALD_TEST_FTP_ROOT/explicit.bin" "$payload"
check "ftps explicit: login without TLS refused" refused curl -sS "${ftp_login[@]}" -T "$payload" \
    "ftp://127.0.0.1:$HERALD_TEST_FTPS_PORT/clear.bin"
check "ftps implicit: upload" curl -sS "${ftp_login[@]}" --cacert "$HERALD_TEST_FTP_CA" -T "$payload" \
    "ftps://127.0.0.1:$HERALD_TEST_FTPS_IMPLICIT_PORT/implicit.bin"
check "ftps implicit: landed" same "$HERALD_TEST_FTP_ROOT/implicit.bin" "$payload"

s3() { curl -sS -f --aws-sigv4 "aws:amz:$HERALD_TEST_S3_REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
object=$HERALD_TEST_S3_ENDPOINT/$HERALD_TEST_S3_BUCKET/smoke/object.bin
check "s3: PUT with the right secret" s3 --user "$HERALD_TEST_S3_ACCESS_KEY:$HERALD_TEST_S3_SECRET_KEY" -T "$payload" "$object"
check "s3: GET returns it" sh -c "curl -sS -f --aws-sigv4 'aws:amz:$HERALD_TEST_S3_REGION:s3' \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --user '$HERALD_TEST_S3_ACCESS_KEY:$HERALD_TEST_S3_SECRET_KEY' \
    -o '$state/object.bin' '$object' && cmp '$state/object.bin' '$payload'"
check "s3: PUT with a wrong secret is 403" sh -c "[ \"\$(curl -sS -o /dev/null -w '%{http_code}' \
    --aws-sigv4 'aws:amz:$HERALD_TEST_S3_REGION:s3' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --user '$HERALD_TEST_S3_ACCESS_KEY:wrong' -T '$payload' '$object-2')\" = 403 ]"

receiver=$HERALD_TEST_HTTP_RECEIVER
check "receiver: script a path" curl -sS -f -X POST "$receiver/_control/script" -d \
    '{"path": "/hook/a", "responses": [{"status": 500}, {"status": 429, "headers": {"Retry-After": "2"}}, {"status": 200, "body": "ok"}]}'
check "receiver: answers 500, 429 with Retry-After, then 200 twice" sh -c "
    got=\$(for i in 1 2 3 4; do curl -sS -o /dev/null -w '%{http_code}:%header{retry-after} ' -d \"{\\\"n\\\": \$i}\" \
        -H 'Content-Type: application/json' '$receiver/hook/a'; done)
    [ \"\$got\" = '500: 429:2 200: 200: ' ] || { echo \"got \$got\"; exit 1; }"
check "receiver: a SAS PUT is 201" sh -c "[ \"\$(curl -sS -o /dev/null -w '%{http_code}' -H 'x-ms-blob-type: BlockBlob' \
    -T '$payload' '$receiver/container/blob.bin?sv=2022-11-02&sig=abc')\" = 201 ]"
check "receiver: records method, path, headers, body" "$herald_python" -c "
import base64, json, urllib.request
hooks = json.load(urllib.request.urlopen('$receiver/_control/requests?path=/hook/a'))
assert [json.loads(base64.b64decode(r['body'])) for r in hooks] == [{'n': i} for i in (1, 2, 3, 4)], hooks
assert hooks[0]['method'] == 'POST' and hooks[0]['headers']['content-type'] == 'application/json', hooks[0]
assert all(a['time'] <= b['time'] for a, b in zip(hooks, hooks[1:]))
blob, = json.load(urllib.request.urlopen('$receiver/_control/requests?path=/container'))
assert blob['path'] == '/container/blob.bin?sv=2022-11-02&sig=abc' and blob['method'] == 'PUT', blob
assert base64.b64decode(blob['body']) == open('$payload', 'rb').read()
"
check "receiver: reset forgets everything" sh -c "curl -sS -f -X POST '$receiver/_control/reset' &&
    [ \"\$(curl -sS '$receiver/_control/requests?path=/')\" = '[]' ]"

check "private name resolves to 10.0.0.1" sh -c "getent hosts '$HERALD_TEST_PRIVATE_NAME' | grep -q '^10\.0\.0\.1 '"
check "no secret in the servers' logs" sh -c "! grep -rlF -e '$HERALD_TEST_SMTP_PASSWORD' -e '$HERALD_TEST_FTP_PASSWORD' \
    -e '$HERALD_TEST_SFTP_PASSWORD' -e '$HERALD_TEST_S3_SECRET_KEY' -e 'sig=abc' '$state/servers'/*.log"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
