"""Independent implementations that test/server/crypto checks kmslab's cryptography against.

Python's cryptography (48, OpenSSL 3.5+ inside) for ML-DSA, and libsodium (through ctypes) for Ed25519ph,
which neither cryptography nor the openssl 3.0 CLI offers. Reads one JSON request on stdin,
{"command": ..., <bytes as hex>}, and writes one JSON answer on stdout, bytes as hex.
"""

import ctypes
import ctypes.util
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

PARAMETER_SETS = {"ML_DSA_44": mldsa.MLDSA44PrivateKey, "ML_DSA_65": mldsa.MLDSA65PrivateKey, "ML_DSA_87": mldsa.MLDSA87PrivateKey}
DER = serialization.Encoding.DER


def spki(public_key):
    return public_key.public_bytes(DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def external_mu(public_key_der, message):
    """FIPS 204 Algorithm 7, line 6, for an empty context: mu = H(H(pk, 64) || 0 || 0 || M, 64)."""
    raw = serialization.load_der_public_key(public_key_der).public_bytes_raw()
    tr = hashlib.shake_256(raw).digest(64)
    return hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)


def sodium():
    library = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    if library.sodium_init() < 0:
        raise RuntimeError("libsodium did not initialise")
    return library


def ed25519ph(library, message):
    """A libsodium Ed25519ph state that has absorbed `message` (which it hashes with SHA-512 itself)."""
    state = ctypes.create_string_buffer(library.crypto_sign_ed25519ph_statebytes())
    library.crypto_sign_ed25519ph_init(state)
    library.crypto_sign_ed25519ph_update(state, message, ctypes.c_ulonglong(len(message)))
    return state


def run(request):
    command = request["command"]
    b = lambda name: bytes.fromhex(request[name])
    if command == "ml-dsa-generate":
        key = PARAMETER_SETS[request["keySpec"]].generate()
        private = key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return {"privateKey": private.hex(), "publicKey": spki(key.public_key()).hex()}
    if command == "ml-dsa-public-key":
        return {"publicKey": spki(serialization.load_der_private_key(b("privateKey"), None).public_key()).hex()}
    if command == "ml-dsa-sign":
        return {"signature": serialization.load_der_private_key(b("privateKey"), None).sign(b("message")).hex()}
    if command == "ml-dsa-verify":
        try:
            serialization.load_der_public_key(b("publicKey")).verify(b("signature"), b("message"))
            return {"valid": True}
        except Exception:
            return {"valid": False}
    if command == "ml-dsa-mu":
        return {"mu": external_mu(b("publicKey"), b("message")).hex()}
    library = sodium()
    seed = serialization.load_der_private_key(b("privateKey"), None).private_bytes_raw()
    public, secret = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    library.crypto_sign_seed_keypair(public, secret, seed)
    state = ed25519ph(library, b("message"))
    if command == "ed25519ph-sign":
        signature = ctypes.create_string_buffer(64)
        library.crypto_sign_ed25519ph_final_create(state, signature, None, secret)
        return {"signature": signature.raw.hex()}
    if command == "ed25519ph-verify":
        return {"valid": library.crypto_sign_ed25519ph_final_verify(state, b("signature"), public) == 0}
    raise ValueError(f"unknown command {command}")


json.dump(run(json.load(sys.stdin)), sys.stdout)
