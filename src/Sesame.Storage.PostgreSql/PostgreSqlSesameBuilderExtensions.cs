using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Storage;

namespace Sesame.Storage.PostgreSql;

/// <summary>Switches Sesame's session store from the SQLite default to PostgreSQL.</summary>
public static class PostgreSqlSesameBuilderExtensions
{
    /// <summary>The configuration key, relative to the section given to <c>AddSesame</c>, that selects PostgreSQL.</summary>
    public const string ConnectionStringKey = "PostgreSql:ConnectionString";

    /// <summary>
    /// Stores sessions, signing keys and secrets in PostgreSQL, so any number of server instances share them. The schema
    /// is created or migrated at start-up. Replaces any store registered before.
    /// </summary>
    /// <param name="builder">What <c>AddSesame</c> returned.</param>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=app;Username=app;Password=…</c>.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty or malformed.</exception>
    public static SesameBuilder UsePostgreSql(this SesameBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Parse now: a malformed string is a start-up error, not a 503 on the first refresh.
        _ = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Services.RemoveAll<ISessionStore>();
        // The store owns the data source it builds; the container disposes the store (and so the pool) at shutdown.
        builder.Services.AddSingleton<ISessionStore>(provider => new PostgreSqlSessionStore(
            PostgreSqlSessionStore.CreateDataSource(connectionString, provider.GetService<ILoggerFactory>()),
            ownsDataSource: true,
            provider.GetRequiredService<ILogger<PostgreSqlSessionStore>>()));
        return builder;
    }

    /// <summary>
    /// Stores sessions in PostgreSQL through a data source the app builds and owns (for custom Npgsql settings or a
    /// data source shared with the app's own data access). Replaces any store registered before.
    /// </summary>
    /// <param name="builder">What <c>AddSesame</c> returned.</param>
    /// <param name="dataSource">The data source; the app disposes it.</param>
    /// <returns>The same builder.</returns>
    public static SesameBuilder UsePostgreSql(this SesameBuilder builder, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        builder.Services.RemoveAll<ISessionStore>();
        builder.Services.AddSingleton<ISessionStore>(provider =>
            new PostgreSqlSessionStore(dataSource, provider.GetRequiredService<ILogger<PostgreSqlSessionStore>>()));
        return builder;
    }

    /// <summary>
    /// The one-line switch in configuration: when <paramref name="sessionSection"/> has
    /// <c>PostgreSql:ConnectionString</c> (e.g. <c>Session:PostgreSql:ConnectionString</c> in appsettings.json, or
    /// <c>--Session:PostgreSql:ConnectionString=…</c> on the command line), sessions go to PostgreSQL; otherwise the
    /// store stays as it is (SQLite by default).
    /// </summary>
    /// <param name="builder">What <c>AddSesame</c> returned.</param>
    /// <param name="sessionSection">The section holding Sesame's options, usually the one passed to <c>AddSesame</c>.</param>
    /// <returns>The same builder.</returns>
    public static SesameBuilder UsePostgreSqlIfConfigured(this SesameBuilder builder, IConfiguration sessionSection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sessionSection);
        var connectionString = sessionSection[ConnectionStringKey];
        return string.IsNullOrWhiteSpace(connectionString) ? builder : builder.UsePostgreSql(connectionString);
    }
}
