-- The programme's signing keys for certificates issued as Open Badges 3.0
-- credentials (internal/credential), and the signed revocation lists.
--
-- One Ed25519 key signs at a time: the newest row without retired_at. A
-- rotation retires it and adds a key under a new fragment ("key-2" …);
-- retired keys stay published in the DID document and the JWKS so that
-- what they signed keeps verifying. private_key is the key's seed sealed
-- with the instance's secret box (internal/secret).
CREATE TABLE credential_keys (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fragment TEXT NOT NULL UNIQUE,
	public_key TEXT NOT NULL,
	private_key TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	retired_at TIMESTAMPTZ
);

-- A Bitstring Status List credential as last signed, served as it is at
-- /credentials/status/{id}; signed again after every revocation.
CREATE TABLE credential_status_lists (
	id BIGINT PRIMARY KEY,
	credential TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
