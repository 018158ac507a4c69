"""The session cookie's and the CSRF token's signers, built once per process instead of per request.

Flask builds its session serializer twice a request (open, save) and Flask-WTF one per token;
itsdangerous then derives the HMAC key again for every signature. The serializers here are the
same (same secret keys, salts, derivation, digest), so their cookies and tokens are byte for byte
what Flask and Flask-WTF make and check — only kept, and the derived keys memoised.
"""

import hashlib
import os
import threading

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

_lock = threading.Lock()
_serializers: dict = {}
_derived: dict = {}
# A session's raw CSRF secret → its signed token. With no time limit on tokens (config
# WTF_CSRF_TIME_LIMIT None) a token signed once is as good as one signed now, and signing cost a
# fifth of a cached page. Bounded: emptied when full.
_tokens: dict = {}
_TOKENS_KEPT = 20_000


class _Signer(TimestampSigner):
    def derive_key(self, secret_key=None):
        key = (self.secret_keys[-1] if secret_key is None else secret_key, self.salt, self.key_derivation,
               self.digest_method)
        derived = _derived.get(key)
        if derived is None:
            derived = _derived[key] = super().derive_key(secret_key)
        return derived


def serializer(secret_keys: tuple, salt: str, *, payload=None, key_derivation: str = "django-concat",
               digest_method=hashlib.sha1) -> URLSafeTimedSerializer:
    """One serializer per (keys, salt, options) and process; the newest key last, as itsdangerous wants."""
    key = (secret_keys, salt, payload, key_derivation, digest_method)
    found = _serializers.get(key)
    if found is None:
        with _lock:
            found = _serializers.setdefault(key, URLSafeTimedSerializer(
                list(secret_keys), salt=salt, serializer=payload, signer=_Signer,
                signer_kwargs={"key_derivation": key_derivation, "digest_method": digest_method}))
    return found


class SessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        return serializer(keys, self.salt, payload=self.serializer, key_derivation=self.key_derivation,
                          digest_method=self.digest_method)


def generate_csrf() -> str:
    """Flask-WTF's generate_csrf (same token, same session key, once per request) on a kept serializer;
    Flask-WTF's CSRFProtect checks what it makes."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token is None:
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        if not isinstance(session.get(field), str):
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        raw = session[field]
        kept = current_app.config.get("WTF_CSRF_TIME_LIMIT") is None
        token = _tokens.get((secret, raw)) if kept else None
        if token is None:
            token = serializer((secret,), "wtf-csrf-token").dumps(raw)
            if kept:
                if len(_tokens) >= _TOKENS_KEPT:
                    _tokens.clear()
                _tokens[(secret, raw)] = token
        setattr(g, field, token)
    return token


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
