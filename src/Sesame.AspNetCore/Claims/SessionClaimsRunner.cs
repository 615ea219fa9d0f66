using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>What claim validation decided for a request, kept in its features for the 403 answer (see <c>ProtocolResponses.InvalidClaimAsync</c>).</summary>
/// <param name="Errors">The failed validators, in validator order.</param>
/// <param name="SessionGone">The session disappeared while a refetched claim was being stored (its tokens are cleared): answer "unauthorised".</param>
internal sealed record SessionClaimsOutcome(IReadOnlyList<ClaimValidationError> Errors, bool SessionGone)
{
    // Not HTML: only what JSON requires is escaped, as JSON.stringify does.
    private static readonly JsonWriterOptions BodyOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The reference's 403 body: <c>{"message":"invalid claim","claimValidationErrors":[{"id":…,"reason":…}]}</c>.</summary>
    public static byte[] InvalidClaimBody(IReadOnlyList<ClaimValidationError> errors)
    {
        var list = new JsonArray();
        foreach (var error in errors)
        {
            var item = new JsonObject { ["id"] = error.Id };
            if (error.Reason is not null)
            {
                item["reason"] = error.Reason.DeepClone(); // an absent reason is left out, as JSON.stringify drops undefined
            }

            list.Add(item);
        }

        var body = new JsonObject { ["message"] = "invalid claim", ["claimValidationErrors"] = list };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, BodyOptions))
        {
            body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

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
