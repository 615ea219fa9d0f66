namespace Sesame.AspNetCore.Storage;

/// <summary>
/// The SQLite schema as an ordered list of migrations. The file's <c>PRAGMA user_version</c> records how many have
/// been applied; each step runs inside the same write transaction that bumps the version, so a crash or a concurrent
/// initializer never leaves a half-applied step behind. Append new steps; never edit a shipped one.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Migration scripts; index <c>i</c> moves the schema from version <c>i</c> to <c>i + 1</c>.</summary>
    public static readonly string[] Migrations =
    [
        // Version 1. Times are Unix milliseconds (INTEGER) so comparisons and indexes stay numeric.
        """
        CREATE TABLE IF NOT EXISTS sessions (
            session_handle      TEXT    NOT NULL PRIMARY KEY,
            user_id             TEXT    NOT NULL,
            refresh_token_hash2 TEXT    NOT NULL,
            payload             TEXT    NOT NULL,
            session_data        TEXT    NOT NULL,
            created_at          INTEGER NOT NULL,
            expires_at          INTEGER NOT NULL
        );
        -- Listing and revoking a user's sessions; expires_at second so "not expired" is answered from the index.
        CREATE INDEX IF NOT EXISTS ix_sessions_user_id_expires_at ON sessions (user_id, expires_at);
        -- The periodic clean-up deletes by expiry: a range scan instead of a full scan of 10^6 rows.
        CREATE INDEX IF NOT EXISTS ix_sessions_expires_at ON sessions (expires_at);
        CREATE TABLE IF NOT EXISTS signing_keys (
            key_id      TEXT    NOT NULL PRIMARY KEY,
            algorithm   TEXT    NOT NULL,
            private_key BLOB    NOT NULL,
            created_at  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS secrets (
            name  TEXT NOT NULL PRIMARY KEY,
            value BLOB NOT NULL
        );
        """,

        // Version 2. Key material is stored encrypted with ASP.NET Core Data Protection (is_protected = 1); rows written
        // before are flagged 0 and protected by the server on its next start. The refresh-token MAC secret joins the key
        // table as an HS256 key, so it rotates like the signing keys; old refresh tokens carry no key id and are verified
        // with the key 'r-legacy'. Every key written before was readable in plain text: created_at 0 makes each instance
        // rotate away from them at once (they keep verifying the tokens they signed, then are deleted), whichever instance
        // protects them.
        """
        ALTER TABLE signing_keys ADD COLUMN is_protected INTEGER NOT NULL DEFAULT 0;
        INSERT OR IGNORE INTO signing_keys (key_id, algorithm, private_key, created_at, is_protected)
            SELECT 'r-legacy', 'HS256', value, 0, 0 FROM secrets WHERE name = 'refresh_token_key';
        DELETE FROM secrets WHERE name = 'refresh_token_key';
        UPDATE signing_keys SET created_at = 0;
        """,

        // Version 3. One naming for every store: the tables take the sesame_ prefix the PostgreSQL store has always used (a database
        // may hold the application's own tables too). Renaming keeps every row; the indexes are rebuilt under their new names (SQLite
        // cannot rename an index). Per-session metadata joins the session row: when it was last refreshed and, when the app opts in
        // (SesameServerOptions.RecordClientInfo), the client's user agent and IP address; rows from before have none.
        """
        ALTER TABLE sessions RENAME TO sesame_sessions;
        ALTER TABLE signing_keys RENAME TO sesame_signing_keys;
        ALTER TABLE secrets RENAME TO sesame_secrets;
        DROP INDEX IF EXISTS ix_sessions_user_id_expires_at;
        DROP INDEX IF EXISTS ix_sessions_expires_at;
        CREATE INDEX ix_sesame_sessions_user_id_expires_at ON sesame_sessions (user_id, expires_at);
        CREATE INDEX ix_sesame_sessions_expires_at ON sesame_sessions (expires_at);
        ALTER TABLE sesame_sessions ADD COLUMN last_refreshed_at INTEGER NULL;
        ALTER TABLE sesame_sessions ADD COLUMN user_agent TEXT NULL;
        ALTER TABLE sesame_sessions ADD COLUMN ip_address TEXT NULL;
        """,
    ];

    /// <summary>The schema version this library writes.</summary>
    public static long CurrentVersion => Migrations.Length;
}
