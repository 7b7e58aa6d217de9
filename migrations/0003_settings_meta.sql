-- Plain (unencrypted) facts about the encrypted `settings`: the Argon2id salt used when the
-- master key is a passphrase, and the key-check value that detects a wrong master key.
-- Nothing secret is stored here.
CREATE TABLE settings_meta (
    key text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
