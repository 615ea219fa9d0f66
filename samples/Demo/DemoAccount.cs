using System.Collections.Concurrent;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Claims;

namespace Demo;

/// <summary>
/// The demo's authorization and account endpoints: a role-protected call, a call guarded by a session claim (the official
/// SDK's 403 "invalid claim" answer until the user verifies their e-mail), and the signed-in user's sessions with a revoke button.
/// The "users" live in memory: a real app reads them from its user store.
/// </summary>
internal static class DemoAccount
{
    /// <summary>Users who verified their e-mail (in this demo: clicked "Verify my e-mail").</summary>
    private static readonly ConcurrentDictionary<string, bool> VerifiedUsers = new(StringComparer.Ordinal);

    /// <summary>The session claim <c>email-verified</c>, fetched at login and again when older than a minute.</summary>
    public static readonly BooleanClaim EmailVerified = new("email-verified",
        static (context, _) => ValueTask.FromResult(new ClaimValue<bool>(VerifiedUsers.ContainsKey(context.UserId))),
        defaultMaxAge: TimeSpan.FromMinutes(1));

    /// <summary>Adds the demo's claims to the server options.</summary>
    public static void AddClaims(SesameServerOptions options) => options.Claims.Add(EmailVerified);

    /// <summary>Maps <c>/api/admin</c>, <c>/api/verified</c>, <c>/api/verify-email</c> and <c>/api/sessions</c>.</summary>
    public static void MapDemoAccount(this IEndpointRouteBuilder app)
    {
        // 200 for a user who logged in with the admin role (the "roles" payload property), 403 otherwise.
        app.MapGet("/api/admin", (HttpContext context) => Results.Ok(new UserResponse(context.GetSesameSession()!.UserId)))
            .RequireAuthorization(policy => policy.RequireRole("admin"));

        // 403 {"message":"invalid claim","claimValidationErrors":[…]} until the user verified their e-mail.
        app.MapGet("/api/verified", (HttpContext context) => Results.Ok(new UserResponse(context.GetSesameSession()!.UserId)))
            .RequireAuthorization()
            .RequireSessionClaim(EmailVerified.Validators.IsTrue());

        // Marks the user verified and fetches the claim again, so the access token the response carries says so at once.
        app.MapPost("/api/verify-email", async (HttpContext context, ISessionService sessions) =>
        {
            VerifiedUsers[context.GetSesameSession()!.UserId] = true;
            await sessions.FetchAndSetClaimAsync(context, EmailVerified, context.RequestAborted);
            return Results.Ok(new UserResponse(context.GetSesameSession()!.UserId));
        }).RequireAuthorization();

        // The signed-in user's live sessions (this one marked), newest first, with the device and address the session last came from
        // (recorded because the demo turns Session:RecordClientInfo on) and when it was last seen (its last refresh, else its login).
        app.MapGet("/api/sessions", async (HttpContext context, ISessionService sessions) =>
        {
            var current = context.GetSesameSession()!;
            var list = await sessions.ListSessionsAsync(current.UserId, context.RequestAborted);
            return Results.Ok(list.OrderByDescending(s => s.CreatedAt)
                .Select(s => new DemoSession(s.SessionHandle, s.CreatedAt, s.LastRefreshedAt ?? s.CreatedAt, s.ExpiresAt,
                    DemoDevice.Describe(s.UserAgent), s.IpAddress, s.SessionHandle == current.SessionHandle))
                .ToArray());
        }).RequireAuthorization();

        // Revokes one of the user's own sessions; another user's handle is answered like an unknown one.
        app.MapPost("/api/sessions/{handle}/revoke", async (string handle, HttpContext context, ISessionService sessions) =>
        {
            var info = await sessions.GetSessionInfoAsync(handle, context.RequestAborted);
            if (info is null || info.UserId != context.GetSesameSession()!.UserId)
            {
                return Results.NotFound(new ErrorResponse("no such session"));
            }

            await sessions.RevokeSessionAsync(handle, context.RequestAborted);
            return Results.NoContent();
        }).RequireAuthorization();
    }
}

/// <summary>One of the user's sessions as the demo page shows it.</summary>
internal sealed record DemoSession(string Handle, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string Device, string? IpAddress, bool Current);
