using System.Data.Common;

namespace Sesame.AspNetCore.Storage;

/// <summary>
/// The session table's columns, in one order, for every store (compiled into both the SQLite and the PostgreSQL store): the column
/// list, the binding of a <see cref="StoredSession"/> to an <c>INSERT</c>'s parameters and the reading of a row. What differs
/// between databases (parameter syntax, how an instant is stored) comes in as two small functions; the table is
/// <c>sesame_sessions</c> on both (docs/architecture.md#session-stores).
/// </summary>
internal static class SessionRows
{
    /// <summary>Every column of <c>sesame_sessions</c>, in the order <see cref="Bind"/> binds and <see cref="Read"/> reads.</summary>
    public const string Columns =
        "session_handle, user_id, refresh_token_hash2, payload, session_data, created_at, expires_at, last_refreshed_at, user_agent, ip_address";

    /// <summary>How many columns <see cref="Columns"/> names.</summary>
    public const int ColumnCount = 10;

    /// <summary>
    /// Adds the row's values to <paramref name="command"/> in column order: text values through <paramref name="text"/>, instants
    /// through <paramref name="time"/> (a null is SQL <c>NULL</c>).
    /// </summary>
    public static void Bind<TCommand>(TCommand command, StoredSession session, Action<TCommand, string?> text,
        Action<TCommand, DateTimeOffset?> time)
    {
        text(command, session.SessionHandle);
        text(command, session.UserId);
        text(command, session.RefreshTokenHash2);
        text(command, session.AccessTokenPayloadJson);
        text(command, session.SessionDataJson);
        time(command, session.CreatedAt);
        time(command, session.ExpiresAt);
        time(command, session.LastRefreshedAt);
        text(command, session.UserAgent);
        text(command, session.IpAddress);
    }

    /// <summary>Reads a row selected with <see cref="Columns"/>; <paramref name="time"/> reads a non-null instant column.</summary>
    public static StoredSession Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) =>
        new(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetString(4),
            time(reader, 5),
            time(reader, 6))
        {
            LastRefreshedAt = reader.IsDBNull(7) ? null : time(reader, 7),
            UserAgent = reader.IsDBNull(8) ? null : reader.GetString(8),
            IpAddress = reader.IsDBNull(9) ? null : reader.GetString(9),
        };
}
