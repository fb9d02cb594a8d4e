print("FastCGITestServer")
