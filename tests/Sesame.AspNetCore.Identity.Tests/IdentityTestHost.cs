using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Identity;
using Sesame.Storage.PostgreSql;

namespace Sesame.AspNetCore.Identity.Tests;

/// <summary>The Identity database of the tests: Identity's own EF Core model (users, roles, claims, tokens).</summary>
public sealed class TestIdentityDb(DbContextOptions<TestIdentityDb> options) : IdentityDbContext<IdentityUser>(options);

/// <summary>Where one test's data lives: SQLite files (Identity and Sesame) or a PostgreSQL schema holding both.</summary>
public sealed record IdentityTestStorage(string? IdentitySqlitePath, string? SesameSqlitePath, string? PostgreSqlConnectionString)
{
    /// <summary>Fresh SQLite files in the temporary directory.</summary>
    public static IdentityTestStorage NewSqlite()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sesame-identity-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new IdentityTestStorage(Path.Combine(directory, "identity.db"), Path.Combine(directory, "sesame.db"), null);
    }

    /// <summary>A PostgreSQL connection string whose search path is the test's own schema.</summary>
    public static IdentityTestStorage PostgreSql(string connectionString) => new(null, null, connectionString);
}

/// <summary>
/// A real Kestrel on 127.0.0.1 running ASP.NET Core Identity (EF Core store) with Sesame sessions: <c>MapSesame()</c>,
/// <c>MapSesameIdentityApi&lt;IdentityUser&gt;()</c>, and the protected endpoints the tests call. Several hosts over one storage are
/// several instances of one app.
/// </summary>
public sealed class IdentityTestHost : IAsyncDisposable
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private IdentityTestHost(WebApplication app, CapturingEmailSender emails)
    {
        _app = app;
        Emails = emails;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public CapturingEmailSender Emails { get; }

    public static async Task<IdentityTestHost> StartAsync(IdentityTestStorage storage, FakeTimeProvider time,
        Action<IdentityOptions>? identity = null, Action<SesameIdentityOptions>? sesameIdentity = null, bool createTables = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(IdentityTestHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<TimeProvider>(time);

        builder.Services.AddDbContext<TestIdentityDb>(db =>
        {
            if (storage.PostgreSqlConnectionString is { } postgres)
            {
                db.UseNpgsql(postgres);
            }
            else
            {
                db.UseSqlite("Data Source=" + storage.IdentitySqlitePath);
            }
        });

        // What a MapIdentityApi app changes: AddIdentityApiEndpoints<TUser>() becomes AddIdentityCore<TUser>() + AddSesameSessions().
        builder.Services.AddIdentityCore<IdentityUser>(o => identity?.Invoke(o))
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<TestIdentityDb>()
            .AddSesameSessions(o => sesameIdentity?.Invoke(o));
        // Test speed only: Identity's default of 100,000 PBKDF2 iterations costs ~0.1 s per password check on these machines.
        builder.Services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
        var sesame = builder.Services.AddSesame(o =>
        {
            o.AccessTokenLifetime = AccessTokenLifetime;
            o.DatabasePath = storage.SesameSqlitePath ?? "unused.db";
        });
        if (storage.PostgreSqlConnectionString is { } sessions)
        {
            sesame.UsePostgreSql(sessions);
        }

        var emails = new CapturingEmailSender();
        builder.Services.AddSingleton<IEmailSender<IdentityUser>>(emails);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSesame();
        app.MapSesameIdentityApi<IdentityUser>();
        app.MapGet("/api/me", (HttpContext http) => http.GetSesameSession()!.UserId).RequireAuthorization();
        app.MapGet("/api/admin", [Authorize(Roles = "admin")] () => "admin ok");
        app.MapGet("/api/roles", (HttpContext http) => string.Join(",", http.User.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value)))
            .RequireAuthorization();
        app.MapGet("/api/identity-user", async (HttpContext http, UserManager<IdentityUser> users) =>
            (await users.GetUserAsync(http.User))?.Email ?? "none").RequireAuthorization();

        var host = new IdentityTestHost(app, emails);
        using (var scope = app.Services.CreateScope())
        {
            // Several instances over one database start one after the other in these tests. SQLite: EnsureCreated is a no-op the second
            // time. PostgreSQL: the test's schema is empty at first (EnsureCreated would see other schemas' tables and create nothing).
            var database = scope.ServiceProvider.GetRequiredService<TestIdentityDb>().Database;
            if (storage.PostgreSqlConnectionString is null)
            {
                await database.EnsureCreatedAsync();
            }
            else if (createTables)
            {
                await database.GetService<IRelationalDatabaseCreator>().CreateTablesAsync();
            }
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        host.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return host;
    }

    /// <summary>Runs <paramref name="action"/> with a scoped <see cref="UserManager{TUser}"/>, as app code outside the endpoints would.</summary>
    public async Task<T> WithUsersAsync<T>(Func<UserManager<IdentityUser>, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Keeps the links and codes Identity sends, so tests can confirm emails and reset passwords.</summary>
public sealed class CapturingEmailSender : IEmailSender<IdentityUser>
{
    public ConcurrentQueue<(string Email, string Kind, string Value)> Sent { get; } = new();

    public Task SendConfirmationLinkAsync(IdentityUser user, string email, string confirmationLink)
    {
        Sent.Enqueue((email, "confirm", WebUtility.HtmlDecode(confirmationLink)));
        return Task.CompletedTask;
    }

    public Task SendPasswordResetLinkAsync(IdentityUser user, string email, string resetLink)
    {
        Sent.Enqueue((email, "reset-link", WebUtility.HtmlDecode(resetLink)));
        return Task.CompletedTask;
    }

    public Task SendPasswordResetCodeAsync(IdentityUser user, string email, string resetCode)
    {
        Sent.Enqueue((email, "reset-code", WebUtility.HtmlDecode(resetCode)));
        return Task.CompletedTask;
    }

    public string Last(string email, string kind) => Sent.Last(s => s.Email == email && s.Kind == kind).Value;
}
