using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Claims;

namespace Sesame.Conformance;

/// <summary>
/// The reference test server's session endpoints, on our <see cref="ISessionService"/>: <c>/login</c>, <c>GET /</c>,
/// <c>/check-rid</c>, <c>/update-jwt</c>, <c>/update-jwt-with-handle</c>, <c>/session-claims-error</c>,
/// <c>/logout</c>, <c>/revokeAll</c>, the counted <c>POST {base}/session/refresh</c> and <c>POST {base}/signout</c>.
/// Errors are answered as the reference's handlers do: unauthorised = 401 <c>{}</c> (its <c>onUnauthorised</c>),
/// try-refresh = 401 <c>{"message":"try refresh token"}</c>, theft = 401 <c>{"message":"token theft detected"}</c>.
/// </summary>
internal sealed class SessionEndpoints(ConformanceState state)
{
    /// <summary>The claims the reference's <c>/update-jwt</c> keeps when it replaces the payload (its isProtectedPropName).</summary>
    private static readonly HashSet<string> ProtectedClaims =
        ["sub", "iat", "exp", "sessionHandle", "parentRefreshTokenHash1", "refreshTokenHash1", "antiCsrfToken"];

    /// <summary>The reference server's failing validator of <c>/session-claims-error</c>.</summary>
    private static readonly SessionClaimValidator FailingClaimValidator = SessionClaimValidator.Create("test-claim-failing",
        static (_, _) => ClaimValidationResult.Invalid(new JsonObject { ["message"] = "testReason" }));

    public const string RefreshPath = "/auth/session/refresh";
    public const string SignOutPath = "/auth/signout";

    public async Task<bool> TryHandleAsync(HttpContext context, ISessionService sessions)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var get = HttpMethods.IsGet(request.Method);
        var post = HttpMethods.IsPost(request.Method);
        switch (path)
        {
            case "/login" when post:
                await LoginAsync(context, sessions);
                return true;
            case "/" when get:
                if (await VerifyAsync(context, sessions) is { } session)
                {
                    state.CountersFor(context).CountGetSessionCalled();
                    await Responses.TextAsync(context, 200, session.UserId);
                }

                return true;
            case "/check-rid" when get:
                if (await VerifyAsync(context, sessions) is not null)
                {
                    var rid = request.Headers["rid"].ToString();
                    await Responses.TextAsync(context, 200, rid.StartsWith("anti-csrf", StringComparison.Ordinal) ? "success" : "fail");
                }

                return true;
            case "/update-jwt" when get:
                if (await VerifyAsync(context, sessions) is { } current)
                {
                    await Responses.JsonAsync(context, 200, current.AccessTokenPayload.ToJsonString());
                }

                return true;
            case "/update-jwt" when post:
                await UpdatePayloadAsync(context, sessions, byHandle: false);
                return true;
            case "/update-jwt-with-handle" when post:
                await UpdatePayloadAsync(context, sessions, byHandle: true);
                return true;
            case "/session-claims-error" when post:
                if (await VerifyAsync(context, sessions) is not null)
                {
                    // The reference's verifySession with overrideGlobalClaimValidators: one validator that always fails.
                    var errors = await sessions.ValidateClaimsAsync(context, [FailingClaimValidator], context.RequestAborted);
                    if (errors is null)
                    {
                        await UnauthorisedAsync(context);
                    }
                    else if (errors.Count > 0)
                    {
                        await context.ForbidInvalidClaimsAsync(errors);
                    }
                    else
                    {
                        await Responses.JsonAsync(context, 200, "{}");
                    }
                }

                return true;
            case "/logout" when post:
                if (await VerifyAsync(context, sessions) is not null)
                {
                    await sessions.SignOutAsync(context, context.RequestAborted);
                    await Responses.TextAsync(context, 200, "success");
                }

                return true;
            case "/revokeAll" when post:
                if (await VerifyAsync(context, sessions) is { } owner)
                {
                    await sessions.RevokeAllSessionsForUserAsync(owner.UserId, context.RequestAborted);
                    await Responses.TextAsync(context, 200, "success");
                }

                return true;
            case "/login-2.18" when post:
                // Legacy CDI 2.18 tokens come from the reference's Java core, which we replace; only the
                // token-migration tests use this endpoint.
                await Responses.TextAsync(context, 501, "legacy CDI 2.18 sessions are not supported by this server");
                return true;
            case RefreshPath when post:
                await RefreshAsync(context, sessions);
                return true;
            case SignOutPath when post:
                if (await VerifyAsync(context, sessions) is not null)
                {
                    await sessions.SignOutAsync(context, context.RequestAborted);
                    await Responses.JsonAsync(context, 200, """{"status":"OK"}""");
                }

                return true;
            default:
                return false;
        }
    }

    private static async Task LoginAsync(HttpContext context, ISessionService sessions)
    {
        var body = await Responses.ReadJsonAsync(context);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("userId", out var userIdElement)
            || userIdElement.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(userIdElement.GetString()))
        {
            await Responses.TextAsync(context, 400, "The body must be JSON {\"userId\":\"...\"}.");
            return;
        }

        JsonObject? payload = null;
        if (body.TryGetProperty("payload", out var payloadElement) && payloadElement.ValueKind == JsonValueKind.Object)
        {
            payload = JsonNode.Parse(payloadElement.GetRawText())!.AsObject();
        }

        try
        {
            var session = await sessions.CreateSessionAsync(context, userIdElement.GetString()!, payload, context.RequestAborted);
            await Responses.TextAsync(context, 200, session.UserId);
        }
        catch (ArgumentException e)
        {
            await Responses.TextAsync(context, 400, e.Message);
        }
    }

    /// <summary>
    /// <c>POST /update-jwt</c> replaces the custom payload (the reference sets every unprotected key to null, then
    /// merges the body) and answers the new payload; <c>/update-jwt-with-handle</c> does the same in the store only,
    /// so the client sees it after its next refresh.
    /// </summary>
    private static async Task UpdatePayloadAsync(HttpContext context, ISessionService sessions, bool byHandle)
    {
        if (await VerifyAsync(context, sessions) is not { } session)
        {
            return;
        }

        var body = await Responses.ReadJsonAsync(context);
        if (body.ValueKind != JsonValueKind.Object)
        {
            await Responses.TextAsync(context, 400, "The body must be a JSON object.");
            return;
        }

        var changes = new JsonObject();
        var current = byHandle
            ? (await sessions.GetSessionInfoAsync(session.SessionHandle, context.RequestAborted))?.AccessTokenPayload ?? []
            : session.AccessTokenPayload;
        foreach (var (key, _) in current)
        {
            if (!ProtectedClaims.Contains(key))
            {
                changes[key] = null;
            }
        }

        foreach (var property in body.EnumerateObject())
        {
            changes[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        var updated = byHandle
            ? await sessions.UpdateAccessTokenPayloadAsync(session.SessionHandle, changes, context.RequestAborted)
            : await sessions.UpdateAccessTokenPayloadAsync(context, changes, context.RequestAborted);
        if (!updated)
        {
            await UnauthorisedAsync(context);
            return;
        }

        // The request's session after the update (re-signed token) or, by handle, the unchanged one, as the reference answers.
        var after = byHandle ? session : context.GetSesameSession() ?? session;
        await Responses.JsonAsync(context, 200, after.AccessTokenPayload.ToJsonString());
    }

    /// <summary>
    /// The reference's own refresh route: counts every attempt, refreshes (its verifySession refreshes on this path),
    /// and answers <c>refresh success</c> (counted) or, without a <c>rid</c> header, <c>refresh failed</c> (not counted).
    /// </summary>
    private async Task RefreshAsync(HttpContext context, ISessionService sessions)
    {
        var counters = state.CountersFor(context);
        counters.CountRefreshAttempted();
        SessionRefreshResult result;
        try
        {
            result = await sessions.RefreshSessionAsync(context, context.RequestAborted);
        }
        catch (Sesame.AspNetCore.Storage.SessionStoreUnavailableException)
        {
            await Responses.JsonAsync(context, 503, """{"message":"session store unavailable"}""");
            return;
        }

        switch (result.Status)
        {
            case SessionRefreshStatus.Refreshed when !context.Request.Headers.ContainsKey("rid"):
                await Responses.TextAsync(context, 200, "refresh failed");
                break;
            case SessionRefreshStatus.Refreshed:
                counters.CountRefreshCalled();
                await Responses.TextAsync(context, 200, "refresh success");
                break;
            case SessionRefreshStatus.TokenTheftDetected:
                await Responses.JsonAsync(context, 401, """{"message":"token theft detected"}""");
                break;
            case SessionRefreshStatus.DuplicateSessionCookies:
                // The reference's answer to duplicate cookies without olderCookieDomain (its suite checks status and first sentence).
                await Responses.JsonAsync(context, 500, """{"message":"The request contains multiple session cookies. Set OlderCookieDomain to clear the previous domain's cookies."}""");
                break;
            case SessionRefreshStatus.OlderDomainCookiesCleared:
                await Responses.JsonAsync(context, 200, """{"message":"cleared the session cookies of the older cookie domain"}""");
                break;
            default:
                await UnauthorisedAsync(context);
                break;
        }
    }

    /// <summary>The reference's verifySession: the session, or an error answer already written (and null).</summary>
    private static async Task<SesameSession?> VerifyAsync(HttpContext context, ISessionService sessions)
    {
        SessionVerificationResult result;
        try
        {
            result = await sessions.VerifySessionAsync(context, context.RequestAborted);
        }
        catch (Sesame.AspNetCore.Storage.SessionStoreUnavailableException)
        {
            await Responses.JsonAsync(context, 503, """{"message":"session store unavailable"}""");
            return null;
        }

        if (result.Status == SessionVerificationStatus.Valid)
        {
            return result.Session;
        }

        await ChallengeAsync(context, result.Status);
        return null;
    }

    /// <summary>
    /// Lets our authentication scheme write the failure (status, and for "unauthorised" the cleared tokens:
    /// <c>front-token: remove</c>, expired cookies or empty token headers), then, for "unauthorised" and "no session",
    /// replaces the body with the reference's <c>{}</c>.
    /// </summary>
    private static async Task ChallengeAsync(HttpContext context, SessionVerificationStatus status)
    {
        if (status is not (SessionVerificationStatus.Unauthorised or SessionVerificationStatus.NoSession))
        {
            await context.ChallengeAsync(SesameDefaults.AuthenticationScheme);
            return;
        }

        var body = context.Response.Body;
        using var discarded = new MemoryStream();
        context.Response.Body = discarded;
        try
        {
            await context.ChallengeAsync(SesameDefaults.AuthenticationScheme);
        }
        finally
        {
            context.Response.Body = body;
        }

        await UnauthorisedAsync(context);
    }

    /// <summary>The reference's <c>onUnauthorised</c>: 401 with an empty JSON object.</summary>
    private static Task UnauthorisedAsync(HttpContext context) => Responses.JsonAsync(context, 401, "{}");
}
