using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Storage;
using Sesame.Storage.PostgreSql;

namespace Sesame.Storage.Tests;

/// <summary>Switching the store from SQLite to PostgreSQL through <see cref="SesameBuilder"/> and configuration.</summary>
public sealed class PostgreSqlRegistrationTests
{
    private const string SomeConnectionString = "Host=127.0.0.1;Port=1;Username=nobody;Database=none";

    private static ServiceProvider Build(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        register(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task UsePostgreSql_replaces_the_SQLite_default_store()
    {
        await using var provider = Build(s => s.AddSesame().UsePostgreSql(SomeConnectionString));

        Assert.IsType<PostgreSqlSessionStore>(provider.GetRequiredService<ISessionStore>());
        Assert.Single(provider.GetServices<ISessionStore>());
    }

    [Fact]
    public async Task UsePostgreSql_with_an_app_owned_data_source_uses_it()
    {
        await using var dataSource = PostgreSqlSessionStore.CreateDataSource(SomeConnectionString, loggerFactory: null);
        await using var provider = Build(s => s.AddSesame().UsePostgreSql(dataSource));

        Assert.IsType<PostgreSqlSessionStore>(provider.GetRequiredService<ISessionStore>());
    }

    [Fact]
    public void UsePostgreSql_with_a_malformed_connection_string_fails_at_registration()
    {
        var services = new ServiceCollection();
        Assert.ThrowsAny<ArgumentException>(() => services.AddSesame().UsePostgreSql("Host=x;NoSuchKeyword=1"));
        Assert.ThrowsAny<ArgumentException>(() => services.AddSesame().UsePostgreSql(" "));
    }

    [Fact]
    public async Task Session_PostgreSql_ConnectionString_in_configuration_switches_to_PostgreSql()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Session:PostgreSql:ConnectionString"] = SomeConnectionString })
            .Build();
        var section = configuration.GetSection("Session");

        await using var provider = Build(s => s.AddSesame(section).UsePostgreSqlIfConfigured(section));

        Assert.IsType<PostgreSqlSessionStore>(provider.GetRequiredService<ISessionStore>());
    }

    [Fact]
    public async Task Without_the_PostgreSql_key_the_SQLite_default_stays()
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Session:DatabasePath"] = Path.Combine(Path.GetTempPath(), "unused.db") })
            .Build()
            .GetSection("Session");

        await using var provider = Build(s => s.AddSesame(section).UsePostgreSqlIfConfigured(section));

        Assert.IsType<SqliteSessionStore>(provider.GetRequiredService<ISessionStore>());
    }
}
