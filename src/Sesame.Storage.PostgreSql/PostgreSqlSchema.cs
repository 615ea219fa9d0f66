namespace Sesame.Storage.PostgreSql;

/// <summary>
/// The PostgreSQL schema as an ordered list of migrations, recorded in <c>sesame_schema_migrations</c>. Tables carry a
/// <c>sesame_</c> prefix because the database is usually shared with the application's own tables. Append new steps;
/// never edit a shipped one.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>
    /// Key of the transaction-level advisory lock that serialises migrations across instances starting at once
    /// (the ASCII bytes of "sesame-s" as a 64-bit integer; any constant works, it only has to be ours).
    /// </summary>
    public const long MigrationLockKey = 0x7365_7361_6D65_2D73;

    /// <summary>Creates the bookkeeping table; run under the advisory lock, before reading the version.</summary>
    public const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS sesame_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());";

    /// <summary>Migration scripts; index <c>i</c> moves the schema from version <c>i</c> to <c>i + 1</c>.</summary>
    public static readonly string[] Migrations =
    [
        // Version 1. JSON columns are text so that stores return exactly what they were given, as SQLite does.
        """
        CREATE TABLE IF NOT EXISTS sesame_sessions (
            session_handle      text        NOT NULL PRIMARY KEY,
            user_id             text        NOT NULL,
            refresh_token_hash2 text        NOT NULL,
            payload             text        NOT NULL,
            session_data        text        NOT NULL,
            created_at          timestamptz NOT NULL,
            expires_at          timestamptz NOT NULL
        );
        -- Listing and revoking a user's sessions; expires_at second so "not expired" is answered from the index.
        CREATE INDEX IF NOT EXISTS ix_sesame_sessions_user_id_expires_at ON sesame_sessions (user_id, expires_at);
        -- The periodic clean-up deletes by expiry: a range scan instead of a full scan of millions of rows.
        CREATE INDEX IF NOT EXISTS ix_sesame_sessions_expires_at ON sesame_sessions (expires_at);
        CREATE TABLE IF NOT EXISTS sesame_signing_keys (
            key_id      text        NOT NULL PRIMARY KEY,
            algorithm   text        NOT NULL,
            private_key bytea       NOT NULL,
            created_at  timestamptz NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sesame_secrets (
            name  text  NOT NULL PRIMARY KEY,
            value bytea NOT NULL
        );
        """,

        // Version 2. Key material is stored encrypted with ASP.NET Core Data Protection (is_protected); rows written before
        // are flagged false and protected by the server on its next start. The refresh-token MAC secret joins the key table
        // as an HS256 key, so it rotates like the signing keys; old refresh tokens carry no key id and are verified with the
        // key 'r-legacy'. Every key written before was readable in plain text (also on replicas and in backups): created_at
        // 1970 makes each instance rotate away from them at once (they keep verifying the tokens they signed, then are
        // deleted), whichever instance protects them.
        """
        ALTER TABLE sesame_signing_keys ADD COLUMN IF NOT EXISTS is_protected boolean NOT NULL DEFAULT false;
        INSERT INTO sesame_signing_keys (key_id, algorithm, private_key, created_at, is_protected)
            SELECT 'r-legacy', 'HS256', value, to_timestamp(0), false FROM sesame_secrets WHERE name = 'refresh_token_key'
            ON CONFLICT (key_id) DO NOTHING;
        DELETE FROM sesame_secrets WHERE name = 'refresh_token_key';
        UPDATE sesame_signing_keys SET created_at = to_timestamp(0);
        """,

        // Version 3. Per-session metadata: when the session was last refreshed and, when the app opts in
        // (SesameServerOptions.RecordClientInfo), the client's user agent and IP address; rows from before have none.
        // (The SQLite store's version 3 also renames its tables to the sesame_ names used here.)
        """
        ALTER TABLE sesame_sessions
            ADD COLUMN IF NOT EXISTS last_refreshed_at timestamptz NULL,
            ADD COLUMN IF NOT EXISTS user_agent        text        NULL,
            ADD COLUMN IF NOT EXISTS ip_address        text        NULL;
        """,
    ];

    /// <summary>The schema version this library writes.</summary>
    public static int CurrentVersion => Migrations.Length;
}
