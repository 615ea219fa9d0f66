using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Sesame.AspNetCore.Identity;

namespace Demo.Identity;

/// <summary>The demo's Identity database: Identity's own EF Core model in a SQLite file beside the session database.</summary>
internal sealed class DemoIdentityDb(DbContextOptions<DemoIdentityDb> options) : IdentityDbContext<IdentityUser>(options);

/// <summary>
/// The demo's optional Identity mode (<c>dotnet run --project samples/Demo -- --identity</c>, or <c>Demo:Identity=true</c>): users with
/// passwords in ASP.NET Core Identity, whose logins start Sesame sessions (Sesame.AspNetCore.Identity, docs/identity.md). Its endpoints
/// live under <c>/identity</c> (<c>/identity/register</c>, <c>/identity/login</c>, <c>/identity/manage/info</c>, …) beside the demo's own
/// <c>/login</c>; the page is <c>/identity.html</c>. Off by default: the demo then runs exactly as without this file.
/// </summary>
internal static class DemoIdentity
{
    /// <summary>The command-line switch.</summary>
    public const string Switch = "--identity";

    /// <summary>Where the Identity endpoints are mapped.</summary>
    public const string Prefix = "/identity";

    /// <summary>
    /// Takes the <c>--identity</c> switch out of <paramref name="args"/> (the configuration's command-line reader would take the next
    /// argument as its value); the rest goes to the host.
    /// </summary>
    public static (bool Requested, string[] HostArguments) ReadSwitch(string[] args) =>
        (args.Contains(Switch, StringComparer.OrdinalIgnoreCase), args.Where(a => !string.Equals(a, Switch, StringComparison.OrdinalIgnoreCase)).ToArray());

    /// <summary>Whether the mode is on: the switch, or <c>Demo:Identity=true</c> in configuration.</summary>
    public static bool IsEnabled(bool switchGiven, IConfiguration configuration) =>
        switchGiven || configuration.GetValue<bool>("Demo:Identity");

    /// <summary>
    /// Identity on EF Core over <c>Demo:IdentityDatabasePath</c> (default: <c>sesame-demo-identity.db</c> beside the session database), with
    /// Sesame sessions. Call after <c>AddSesame</c>.
    /// </summary>
    public static void AddDemoIdentity(this WebApplicationBuilder builder, string sessionDatabasePath)
    {
        var configured = builder.Configuration["Demo:IdentityDatabasePath"];
        var path = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Path.GetDirectoryName(sessionDatabasePath)!, "sesame-demo-identity.db")
            : Path.GetFullPath(Path.Combine(builder.Environment.ContentRootPath, configured));
        builder.Services.AddDbContext<DemoIdentityDb>(db => db.UseSqlite("Data Source=" + path));
        builder.Services.AddIdentityCore<IdentityUser>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<DemoIdentityDb>()
            .AddSesameSessions();
    }

    /// <summary>Creates the Identity tables on first start, maps the Identity endpoints under <see cref="Prefix"/> and the page.</summary>
    public static async Task MapDemoIdentityAsync(this WebApplication app)
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoIdentityDb>().Database.EnsureCreatedAsync();
        }

        app.MapGroup(Prefix).MapSesameIdentityApi<IdentityUser>();
        var page = Path.Combine(app.Environment.ContentRootPath, "Identity", "identity.html");
        app.MapGet("/identity.html", () => Results.File(page, "text/html; charset=utf-8"));
    }
}
