using Microsoft.Data.Sqlite;

namespace Sesame.AspNetCore.Storage;

/// <summary>
/// Turns on SQLite's <c>secure_delete</c> for one connection while key material is rewritten or deleted (freed content is
/// zeroed rather than left readable in free pages), and restores the previous setting for the pooled connection's next user.
/// </summary>
internal sealed class SecureDelete : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly long _previous;

    private SecureDelete(SqliteConnection connection, long previous)
    {
        _connection = connection;
        _previous = previous;
    }

    public static async Task<SecureDelete> EnableAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA secure_delete;";
        var previous = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false),
            System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA secure_delete = 1;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new SecureDelete(connection, previous);
    }

    public async ValueTask DisposeAsync()
    {
        using var command = _connection.CreateCommand();
        // PRAGMA takes no parameters; the value is SQLite's own 0/1/2 read above.
        command.CommandText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA secure_delete = {_previous};");
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
