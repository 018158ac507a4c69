"""A tiny HTTP client for preparing the load: one keep-alive connection and a cookie jar, standing
for one browser or phone. Used to sign in, fetch CSRF tokens, join a workshop and check responses;
the load itself comes from wrk."""

import http.client
import json
import re
import urllib.parse

_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')


def hidden_value(html: str, name: str) -> str | None:
    """The value of the first <input name=NAME>, whatever the order of its attributes."""
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == name:
            return attrs.get("value", "")
    return None


class Browser:
    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=300)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, *, form: dict | None = None, json_body=None,
                headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt:
                    raise
        out_headers = {}
        for header, value in response.getheaders():
            out_headers[header.lower()] = value
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, out_headers, payload

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def csrf(self, path: str) -> str:
        status, _h, body = self.get(path)
        token = hidden_value(body.decode("utf-8", "replace"), "csrf_token")
        if status != 200 or not token:
            raise RuntimeError(f"no csrf_token on {path} (status {status})")
        return token

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        status, headers, _ = self.request("POST", "/login", form={"csrf_token": token, "email": email,
                                                                  "password": password})
        if status != 303:
            raise RuntimeError(f"sign-in as {email} failed (status {status})")

    def close(self) -> None:
        self.conn.close()
