using Sesame.AspNetCore;
#if (UsePostgreSql)
using Sesame.Storage.PostgreSql;
#endif

namespace SesameApi;

/// <summary>Builds the API; the tests call it too, so they run exactly what <c>dotnet run</c> runs.</summary>
public static class ApiHost
{
    /// <summary>Builds the app: Sesame sessions (options in the "Session" section), a login endpoint and a protected endpoint.</summary>
    public static WebApplication Build(WebApplicationOptions options)
    {
        var builder = WebApplication.CreateBuilder(options);
        var session = builder.Configuration.GetSection("Session");
#if (UsePostgreSql)
        builder.Services.AddSesame(session).UsePostgreSqlIfConfigured(session); // Session:PostgreSql:ConnectionString
#else
        builder.Services.AddSesame(session); // sessions in the SQLite file Session:DatabasePath (sesame.db)
#endif

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSesame(); // POST /auth/session/refresh, POST /auth/signout, GET /auth/jwt/jwks.json

        app.MapPost("/login", async (Login login, HttpContext http, ISessionService sessions) =>
        {
            // Check the user's credentials here first: this template accepts any user id.
            if (string.IsNullOrWhiteSpace(login.UserId))
            {
                return Results.BadRequest();
            }

            await sessions.CreateSessionAsync(http, login.UserId);
            return Results.Ok();
        });
        app.MapGet("/api/me", (HttpContext http) => Results.Ok(new { userId = http.GetSesameSession()!.UserId }))
           .RequireAuthorization();
        return app;
    }
}

/// <summary>The login request.</summary>
public sealed record Login(string UserId);
