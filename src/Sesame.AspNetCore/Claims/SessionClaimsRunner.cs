using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// The reference's claim check of a verified session (its <c>validateClaims</c> + <c>assertClaims</c>): every validator whose claim is missing
/// or too old fetches it, the fetched values are stored with one <see cref="ISessionService.UpdateAccessTokenPayloadAsync(HttpContext, JsonObject, CancellationToken)"/>
/// (new access token and front token in the response), then every validator checks the updated payload.
/// </summary>
internal static class SessionClaimsRunner
{
    public static async Task<SessionClaimsOutcome> RunAsync(HttpContext httpContext, ISessionService sessions, TimeProvider time,
        IReadOnlyList<SessionClaimValidator> validators, CancellationToken cancellationToken)
    {
        var session = httpContext.GetSesameSession()
            ?? throw new InvalidOperationException("Session claims can only be validated on a request with a verified Sesame session.");
        if (validators.Count == 0)
        {
            return new SessionClaimsOutcome([], false);
        }

        var payload = session.AccessTokenPayload;
        var now = time.GetUtcNow();
        var context = new SessionClaimValidationContext(httpContext, now);
        JsonObject? update = null;
        foreach (var validator in validators)
        {
            if (validator.Claim is not { } claim || !validator.ShouldRefetch(payload, context))
            {
                continue;
            }

            var fetchContext = new SessionClaimFetchContext(session.UserId, (JsonObject)payload.DeepClone(), httpContext);
            var value = await claim.FetchValueAsJsonAsync(fetchContext, cancellationToken).ConfigureAwait(false);
            if (value is null)
            {
                continue;
            }

            foreach (var (key, node) in claim.BuildPayloadUpdate(value, now))
            {
                payload[key] = node?.DeepClone();
                (update ??= [])[key] = node?.DeepClone();
            }
        }

        if (update is not null && !await sessions.UpdateAccessTokenPayloadAsync(httpContext, update, cancellationToken).ConfigureAwait(false))
        {
            return new SessionClaimsOutcome([], true);
        }

        List<ClaimValidationError>? errors = null;
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(payload, context).ConfigureAwait(false);
            if (!result.IsValid)
            {
                (errors ??= []).Add(new ClaimValidationError(validator.Id, result.Reason));
            }
        }

        return new SessionClaimsOutcome(errors ?? (IReadOnlyList<ClaimValidationError>)[], false);
    }

    /// <summary>The payload of a new session with every claim of <see cref="SesameServerOptions.Claims"/> fetched into it (the app's own
    /// properties of the same name are replaced, as the reference does).</summary>
    public static ValueTask<JsonObject?> AddClaimsOnCreationAsync(IList<SessionClaim> claims, TimeProvider time, HttpContext httpContext,
        string userId, JsonObject? payload, CancellationToken cancellationToken) =>
        claims.Count == 0 ? new(payload) : AddClaimsCoreAsync(claims, time, httpContext, userId, payload, cancellationToken);

    private static async ValueTask<JsonObject?> AddClaimsCoreAsync(IList<SessionClaim> claims, TimeProvider time, HttpContext httpContext,
        string userId, JsonObject? payload, CancellationToken cancellationToken)
    {
        var built = payload is null ? [] : (JsonObject)payload.DeepClone();
        foreach (var claim in claims)
        {
            var value = await claim.FetchValueAsJsonAsync(new SessionClaimFetchContext(userId, (JsonObject)built.DeepClone(), httpContext), cancellationToken)
                .ConfigureAwait(false);
            if (value is null)
            {
                continue;
            }

            foreach (var (key, node) in claim.BuildPayloadUpdate(value, time.GetUtcNow()))
            {
                built[key] = node?.DeepClone();
            }
        }

        return built;
    }
}
