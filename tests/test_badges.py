"""Open Badges 3.0 credentials of certificates: their shape, their signature (checked by other code than the code
that signs), the published keys and their rotation, and the revocation status list."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import stat
from datetime import UTC, datetime

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from uprest.certificates import badges, keys, statuslist, wellknown
from uprest.certificates.data import CertificateData, Issuer, Outcome
from uprest.config import from_environment

BASE = "https://learn.example.org"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def rsa_keys():
    """Two 2048-bit keys: the current one and a retired one."""
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def make_data(**changes) -> CertificateData:
    data = CertificateData(
        code="K7QX2M9PZR4TB8WN3JHD",
        verify_url=f"{BASE}/verify/K7QX2M9PZR4TB8WN3JHD",
        kind="module",
        holder_name="Åsa Čolić-Weiß",
        holder_id="urn:uuid:5b0c1e9e-6a43-4f2e-9d59-0d3f3b8f1a11",
        title={"en": "Digital marketing for small hotels", "sv": "Digital marknadsföring för små hotell"},
        issuer=Issuer("Vänersborgs kommun", "SE", "Västra Götaland", "https://vanersborg.se", f"{BASE}/providers/1"),
        issued_at=datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC),
        outcomes=(
            Outcome(
                {"en": "You can plan a month of posts", "sv": "Du kan planera posterna för en månad"},
                "2.1 Interacting through digital technologies",
                "digcomp:2.1",
                "DigComp 2.2",
                1,
                3,
            ),
            Outcome(
                {"en": "You can measure the energy a stay uses"},
                "2.2 Promoting sustainability",
                "greencomp:2.2",
                "GreenComp",
                0,
                2,
            ),
        ),
        workload_hours=6.5,
        assessment_type="quiz",
        participation="online",
        quality_assurance={"en": "Reviewed by the municipality's training office", "sv": "Granskad av kommunen"},
        description={"en": "Plan and measure your hotel's online marketing."},
        ects=0.5,
        eqf_level=4,
        expires_at=datetime(2029, 12, 1, tzinfo=UTC),
        prerequisites=({"en": "Social media basics", "sv": "Grunderna i sociala medier"},),
        grade="92 %",
        stacks_into={"en": "Digital hotel", "sv": "Digitalt hotell"},
        module_code="dm-hotels",
        module_version=3,
        language="sv",
    )
    return dataclasses.replace(data, **changes)


STATUS = statuslist.StatusEntry(f"{BASE}/credentials/status/1", 42)


def make_app(instance, **config) -> Flask:
    """A bare app with only the keys' blueprint, its instance folder in `instance`."""
    app = Flask("uprest_badges_test", instance_path=str(instance))
    app.config.update({"PUBLIC_BASE_URL": BASE, "CREDENTIAL_KEY": None, "CREDENTIAL_OLD_KEYS": [], **config})
    app.register_blueprint(wellknown.bp)
    return app


def signed(data: CertificateData, app: Flask) -> str:
    vc = badges.credential(data, issued_by_url=BASE, status=STATUS)  # pure (the bare app has no Babel)
    with app.app_context():
        return badges.sign(vc, keys.current_signing_key())


def b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unb64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def verify_with_pyjwt(token: str, jwk: dict) -> dict:
    public = RSAAlgorithm.from_jwk(json.dumps(jwk))
    return pyjwt.decode(token, public, algorithms=["RS256"], options={"verify_exp": False})


# --- the credential -------------------------------------------------------------------------------


def test_credential_has_the_open_badges_and_vc_properties():
    """An OpenBadgeCredential has the VC 2.0 + OB 3.0 contexts, its types, the verification URL as id, an issuer
    Profile with country and region, validFrom/validUntil, an AchievementSubject and a MicroCredential achievement."""
    vc = badges.credential(make_data(), issued_by_url=BASE, status=STATUS)
    assert vc["@context"][:2] == [badges.VC_CONTEXT, badges.OB_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"{BASE}/verify/K7QX2M9PZR4TB8WN3JHD"
    issuer = vc["issuer"]
    assert issuer["id"] == f"{BASE}/providers/1" and issuer["type"] == ["Profile"]
    assert issuer["name"] == "Vänersborgs kommun" and issuer["url"] == "https://vanersborg.se"
    assert issuer["address"]["addressCountryCode"] == "SE"
    assert issuer["address"]["addressRegion"] == "Västra Götaland"
    assert issuer["address"]["addressCountry"] == "Sverige"  # in the holder's language
    assert vc["validFrom"] == "2026-12-01T09:30:15Z" and vc["validUntil"] == "2029-12-01T00:00:00Z"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "MicroCredential"
    for required in ("id", "name", "description", "criteria"):
        assert achievement[required], required
    assert achievement["id"] == f"{BASE}/courses/dm-hotels#v3"
    assert vc["evidence"][0]["id"] == vc["id"] and vc["evidence"][0]["type"] == ["Evidence"]
    assert vc["credentialStatus"] == {
        "id": f"{BASE}/credentials/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": f"{BASE}/credentials/status/1",
    }


def test_credential_carries_every_eu_micro_credential_element():
    """Outcomes (narrative and alignments), workload, ECTS, EQF, assessment, participation, quality assurance,
    prerequisites, grade and stacking are all in the achievement."""
    vc = badges.credential(make_data(), issued_by_url=BASE, status=None)
    achievement = vc["credentialSubject"]["achievement"]
    assert "- Du kan planera posterna för en månad" in achievement["criteria"]["narrative"]
    assert "- You can measure the energy a stay uses" in achievement["criteria"]["narrative"]
    codes = {a["targetCode"]: a for a in achievement["alignment"]}
    assert codes["digcomp:2.1"]["targetFramework"] == "DigComp 2.2"
    assert codes["digcomp:2.1"]["targetUrl"] == f"{BASE}/competences/digcomp#digcomp:2.1"
    assert codes["4"]["targetUrl"] == "http://data.europa.eu/snb/eqf/4"
    assert all(a["type"] == ["Alignment"] and a["targetName"] and a["targetUrl"] for a in achievement["alignment"])
    assert achievement["workloadHours"] == 6.5 and achievement["creditsAvailable"] == 0.5
    assert vc["credentialSubject"]["creditsEarned"] == 0.5
    assert achievement["eqfLevel"] == 4
    assert achievement["assessmentType"] == "quiz" and achievement["participationForm"] == "online"
    assert achievement["qualityAssurance"] == "Granskad av kommunen"
    assert achievement["prerequisites"] == ["Grunderna i sociala medier"]
    assert achievement["stacksInto"] == "Digitalt hotell"
    (description,) = achievement["resultDescription"]
    assert description["resultType"] == "Percent" and description["type"] == ["ResultDescription"]
    (result,) = vc["credentialSubject"]["result"]
    assert result == {"type": ["Result"], "resultDescription": description["id"], "value": "92"}
    assert "credentialStatus" not in vc


def test_extension_terms_are_defined_and_do_not_redefine_standard_ones():
    """Every property Open Badges lacks (and inLanguage, which OB's context file leaves undefined) is a term of our
    inline @context, and none of our terms takes the name of a VC or OB term (both contexts are protected)."""
    vc = badges.credential(make_data(kind="plan", parts=({"en": "Module A"},)), issued_by_url=BASE, status=None)
    context = vc["@context"][2]
    assert context == badges.EXTENSION_CONTEXT
    extension = {
        "workloadHours",
        "eqfLevel",
        "assessmentType",
        "participationForm",
        "qualityAssurance",
        "prerequisites",
        "stacksInto",
        "includes",
        "inLanguage",
        "translations",
    }
    achievement = vc["credentialSubject"]["achievement"]
    assert extension <= set(context)
    assert extension <= set(achievement)
    standard = {
        "id",
        "type",
        "name",
        "description",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "achievement",
        "alignment",
        "criteria",
        "tag",
        "result",
        "evidence",
        "identifier",
    }
    assert not standard & set(context)
    assert all(
        str(v.get("@id", v) if isinstance(v, dict) else v).startswith(
            ("uprestmc:", badges.EXTENSION_VOCAB, "https://schema.org/")
        )
        for v in context.values()
    )


def test_texts_are_in_the_holders_language_with_english_fallback():
    """name/description are strings in the holder's language (English when missing), named by inLanguage; all the
    languages are kept in translations."""
    vc = badges.credential(make_data(), issued_by_url=BASE, status=None)
    achievement = vc["credentialSubject"]["achievement"]
    assert vc["name"] == achievement["name"] == "Digital marknadsföring för små hotell"
    assert achievement["description"] == "Plan and measure your hotel's online marketing."  # no Swedish text
    assert achievement["inLanguage"] == "sv"
    assert achievement["translations"]["name"]["en"] == "Digital marketing for small hotels"
    assert achievement["translations"]["outcomes"][1] == {"en": "You can measure the energy a stay uses"}
    english = badges.credential(make_data(language="en"), issued_by_url=BASE, status=None)
    assert english["name"] == "Digital marketing for small hotels"


def test_no_email_and_no_clear_name_in_the_credential():
    """The holder is a pseudonymous id plus a salted hash of the name: no e-mail address, no name in clear; the
    right name matches the hash and another does not."""
    vc = badges.credential(make_data(), issued_by_url=BASE, status=STATUS)
    text = json.dumps(vc, ensure_ascii=False)
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    assert "Åsa" not in text and "Weiß" not in text
    (identity,) = vc["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject" and identity["identityType"] == "name" and identity["hashed"] is True
    expected = hashlib.sha256(("Åsa Čolić-Weiß" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert badges.holder_name_matches(vc, "Åsa  Čolić-Weiß")  # spaces as printed do not matter
    assert not badges.holder_name_matches(vc, "Asa Colic-Weiss")
    with pytest.raises(ValueError):
        badges.credential(make_data(holder_id="asa@example.org"), issued_by_url=BASE, status=None)


def test_plan_credential_lists_its_modules():
    """A plan certificate's achievement lists the modules it includes and has its own id."""
    data = make_data(kind="plan", module_code="", module_version=0, parts=({"en": "A"}, {"en": "B", "sv": "Bé"}))
    achievement = badges.credential(data, issued_by_url=BASE, status=None)["credentialSubject"]["achievement"]
    assert achievement["includes"] == ["A", "Bé"]
    assert achievement["id"] == f"{data.verify_url}#achievement" and "humanCode" not in achievement


# --- the signature ---------------------------------------------------------------------------------


@pytest.fixture()
def keyed_app(tmp_path, rsa_keys):
    return make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[0]))


def test_signed_credential_verifies_with_another_library(keyed_app):
    """joserfc signs; PyJWT verifies with the published JWK. The header is exactly alg RS256, typ JWT and kid = the
    JWK's URL; the payload is the credential plus iss, jti, nbf, exp and sub taken from it."""
    token = signed(make_data(), keyed_app)
    header = json.loads(b64(token.split(".")[0]))
    with keyed_app.app_context():
        ring = keys.keyring()
    assert header == {"alg": "RS256", "typ": "JWT", "kid": ring.current.url}
    assert ring.current.url == f"{BASE}/.well-known/jwks/{ring.current.kid}.json"
    claims = verify_with_pyjwt(token, ring.jwk(ring.current.kid))
    assert claims["iss"] == claims["issuer"]["id"] == f"{BASE}/providers/1"
    assert claims["jti"] == claims["id"] and claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC).timestamp())
    assert claims["exp"] == int(datetime(2029, 12, 1, tzinfo=UTC).timestamp())
    vc = {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "exp", "sub")}
    assert vc == badges.credential(make_data(), issued_by_url=BASE, status=STATUS)


def test_signature_is_plain_rsassa_pkcs1_v1_5(keyed_app, rsa_keys):
    """The signature checks with nothing but integer arithmetic and hashlib (RFC 8017 EMSA-PKCS1-v1_5, SHA-256)."""
    token = signed(make_data(), keyed_app)
    signing_input, _, signature = token.rpartition(".")
    numbers = rsa_keys[0].public_key().public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    message = pow(int.from_bytes(b64(signature), "big"), numbers.e, numbers.n).to_bytes(size, "big")
    digest_info = (
        bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(signing_input.encode()).digest()
    )
    assert message == b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info


def test_one_changed_byte_fails_verification(keyed_app):
    """Changing one byte of the header, the payload, the signature or the token text makes verification fail."""
    token = signed(make_data(), keyed_app)
    with keyed_app.app_context():
        jwk = keys.keyring().jwk(keys.current_signing_key().kid)
    verify_with_pyjwt(token, jwk)  # the untouched token verifies
    parts = token.split(".")
    payload = bytearray(b64(parts[1]))
    payload[payload.index(b"urn:uuid:") + 9] ^= 0x01  # one byte of the holder's id
    signature = bytearray(b64(parts[2]))
    signature[100] ^= 0x80
    header = b64(parts[0]).replace(b'"JWT"', b'"JWS"')
    middle = len(token) // 2
    forged = [
        ".".join([parts[0], unb64(bytes(payload)), parts[2]]),
        ".".join([parts[0], parts[1], unb64(bytes(signature))]),
        ".".join([unb64(header), parts[1], parts[2]]),
        token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :],
    ]
    for bad in forged:
        with pytest.raises(pyjwt.exceptions.InvalidTokenError):
            verify_with_pyjwt(bad, jwk)


# --- the published keys ----------------------------------------------------------------------------


def test_kid_url_resolves_to_the_jwk_that_verifies(keyed_app):
    """GET on the header's kid URL returns the public JWK (public cache, JWK media type) that verifies the token;
    an unknown kid is a 404."""
    token = signed(make_data(), keyed_app)
    kid_url = pyjwt.get_unverified_header(token)["kid"]
    client = keyed_app.test_client()
    response = client.get(kid_url.removeprefix(BASE))
    assert response.status_code == 200
    assert response.mimetype == "application/jwk+json"
    assert "public" in response.headers["Cache-Control"]
    jwk = response.get_json(force=True)
    assert jwk["kid"] == kid_url and jwk["alg"] == "RS256"
    assert verify_with_pyjwt(token, jwk)["sub"].startswith("urn:uuid:")
    assert client.get("/.well-known/jwks/not-a-key.json").status_code == 404


def test_jwks_lists_public_keys_only(tmp_path, rsa_keys):
    """The JWK Set served at /.well-known/jwks.json has the current and the retired key and no private member."""
    app = make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[0]), CREDENTIAL_OLD_KEYS=[pem(rsa_keys[1])])
    response = app.test_client().get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/jwk-set+json"
    assert "public" in response.headers["Cache-Control"]
    document = response.get_json(force=True)
    assert len(document["keys"]) == 2
    for jwk in document["keys"]:
        assert not PRIVATE_MEMBERS & set(jwk), jwk
        assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    assert '"d"' not in response.get_data(as_text=True)


def test_old_key_still_verifies_after_rotation_by_settings(tmp_path, rsa_keys):
    """A credential signed with the old key verifies against the key its kid URL serves after the key was
    replaced and the old one moved to CREDENTIAL_OLD_KEYS."""
    before = make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[1]))
    old_token = signed(make_data(), before)
    after = make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[0]), CREDENTIAL_OLD_KEYS=[pem(rsa_keys[1])])
    new_token = signed(make_data(), after)
    old_kid, new_kid = (pyjwt.get_unverified_header(t)["kid"] for t in (old_token, new_token))
    assert old_kid != new_kid
    client = after.test_client()
    assert verify_with_pyjwt(old_token, client.get(old_kid.removeprefix(BASE)).get_json(force=True))
    with pytest.raises(pyjwt.exceptions.InvalidSignatureError):
        verify_with_pyjwt(old_token, client.get(new_kid.removeprefix(BASE)).get_json(force=True))
    without_old = make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[0]))
    assert without_old.test_client().get(old_kid.removeprefix(BASE)).status_code == 404


def test_generated_key_is_persisted_and_reused(tmp_path):
    """With no key configured, one is generated into the instance folder (mode 0600, 3072 bits) and every later
    app of that instance signs with the same key."""
    first = make_app(tmp_path)
    assert not (tmp_path / keys.KEY_FILE).exists()  # made on first use, not at start
    with first.app_context():
        kid = keys.current_signing_key().kid
    path = tmp_path / keys.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert serialization.load_pem_private_key(path.read_bytes(), None).key_size == keys.GENERATED_BITS
    second = make_app(tmp_path)
    with second.app_context():
        assert keys.current_signing_key().kid == kid
    assert not list(tmp_path.glob(".*.tmp"))


def test_rotate_key_command_keeps_the_old_key_published(tmp_path):
    """`flask credentials rotate-key` replaces the instance key; the old public key stays in the JWK Set and old
    credentials still verify; with UPREST_CREDENTIAL_KEY set it refuses."""
    app = make_app(tmp_path)
    keys.register_cli(app)
    old_token = signed(make_data(), app)
    result = app.test_cli_runner().invoke(args=["credentials", "rotate-key"])
    assert result.exit_code == 0, result.output
    new_token = signed(make_data(), app)
    old_kid, new_kid = (pyjwt.get_unverified_header(t)["kid"] for t in (old_token, new_token))
    assert old_kid != new_kid
    fresh = make_app(tmp_path)  # another process after the restart
    document = fresh.test_client().get("/.well-known/jwks.json").get_json(force=True)
    assert {k["kid"] for k in document["keys"]} == {old_kid, new_kid}
    old_jwk = next(k for k in document["keys"] if k["kid"] == old_kid)
    assert verify_with_pyjwt(old_token, old_jwk)
    retired = tmp_path / keys.OLD_KEYS_DIR / old_kid.rsplit("/", 1)[1].replace(".json", ".pem")
    assert b"PRIVATE" not in retired.read_bytes()
    configured = make_app(tmp_path / "other", CREDENTIAL_KEY=(tmp_path / keys.KEY_FILE).read_text())
    keys.register_cli(configured)
    assert configured.test_cli_runner().invoke(args=["credentials", "rotate-key"]).exit_code != 0


def test_configured_key_from_a_file_and_weak_keys_refused(tmp_path, rsa_keys):
    """UPREST_CREDENTIAL_KEY may name a PEM file (relative to the instance folder); a key under 2048 bits, a public
    key or a file that is not a key stops the app when the blueprint is registered."""
    (tmp_path / "signing.pem").write_text(pem(rsa_keys[0]))
    app = make_app(tmp_path, CREDENTIAL_KEY="signing.pem")
    with app.app_context():
        assert keys.current_signing_key().kid == keys.thumbprint(keys.load_private_key(pem(rsa_keys[0]), tmp_path))
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    public = (
        rsa_keys[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    for bad in (pem(weak), public, "missing.pem", "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----"):
        with pytest.raises(keys.CredentialKeyError):
            make_app(tmp_path, CREDENTIAL_KEY=bad)
    with pytest.raises(keys.CredentialKeyError):
        make_app(tmp_path, CREDENTIAL_KEY=pem(rsa_keys[0]), CREDENTIAL_OLD_KEYS=[pem(weak)])


def test_key_settings_are_read_from_the_environment(rsa_keys):
    """UPREST_CREDENTIAL_KEY is text; UPREST_CREDENTIAL_OLD_KEYS a JSON list."""
    values = from_environment(
        {"UPREST_CREDENTIAL_KEY": "/etc/uprest/key.pem", "UPREST_CREDENTIAL_OLD_KEYS": json.dumps([pem(rsa_keys[1])])}
    )
    assert values["CREDENTIAL_KEY"] == "/etc/uprest/key.pem"
    assert values["CREDENTIAL_OLD_KEYS"][0].startswith("-----BEGIN PRIVATE KEY-----")


# --- the status list -------------------------------------------------------------------------------


@settings(max_examples=60)
@given(st.sets(st.integers(min_value=0, max_value=statuslist.MIN_SIZE - 1), max_size=64))
def test_status_list_round_trip(revoked):
    """decode(encode(s)) == s for any set of indices in the list."""
    assert statuslist.decode(statuslist.encode(revoked)) == revoked


def test_status_list_bit_order_and_encoding():
    """Index 0 is the most significant bit of the first byte; the text is Multibase base64url (prefix u, no
    padding) of GZIP; the list has 131072 bits; indices outside it are refused."""
    encoded = statuslist.encode({0, 9, statuslist.MIN_SIZE - 1})
    assert encoded.startswith("u") and "=" not in encoded and re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)
    bits = statuslist.bitstring(encoded)
    assert len(bits) * 8 == 131072
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01 and not any(bits[2:-1])
    assert statuslist.is_set(encoded, 9) and not statuslist.is_set(encoded, 10)
    assert statuslist.decode(encoded[1:]) == {0, 9, statuslist.MIN_SIZE - 1}  # also without the prefix
    assert statuslist.encode(set()) == statuslist.encode(set())  # deterministic
    for bad in ({-1}, {statuslist.MIN_SIZE}):
        with pytest.raises(ValueError):
            statuslist.encode(bad)
    with pytest.raises(ValueError):
        statuslist.encode(set(), size=1024)
    with pytest.raises(ValueError):
        statuslist.decode("unot-gzip")


def test_revoked_credential_shows_in_its_status_list():
    """The status list credential names the list and its purpose; the revoked credential's index is set in it."""
    encoded = statuslist.encode({STATUS.index, 7})
    doc = statuslist.status_list_credential(
        STATUS.list_url, encoded, f"{BASE}/providers/1", datetime(2026, 12, 1, 12, 0, 0, 5, tzinfo=UTC)
    )
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["id"] == STATUS.list_url and doc["validFrom"] == "2026-12-01T12:00:00Z"
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    vc = badges.credential(make_data(), issued_by_url=BASE, status=STATUS)
    index = int(vc["credentialStatus"]["statusListIndex"])
    assert statuslist.is_set(subject["encodedList"], index)
    assert not statuslist.is_set(statuslist.encode({7}), index)
