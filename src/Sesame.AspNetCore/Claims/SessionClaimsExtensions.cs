using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// Session claims on a request with a verified session, as the reference's session container offers them (<c>fetchAndSetClaim</c>,
/// <c>setClaimValue</c>, <c>removeClaim</c>, <c>getClaimValue</c>, <c>assertClaims</c>). Changes go through
/// <see cref="ISessionService.UpdateAccessTokenPayloadAsync(HttpContext, JsonObject, CancellationToken)"/>: stored, and a new access token and
/// front token are sent in the response.
/// </summary>
public static class SessionClaimsExtensions
{
    /// <summary>Fetches <paramref name="claim"/> and stores its value in the session (nothing changes when the fetcher gives no value).</summary>
    /// <param name="sessions">The session service.</param>
    /// <param name="httpContext">The request, with a verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="cancellationToken">Cancels the fetch and the update.</param>
    /// <returns><see langword="false"/> when the session no longer exists.</returns>
    public static async Task<bool> FetchAndSetClaimAsync(this ISessionService sessions, HttpContext httpContext, SessionClaim claim,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(claim);
        var session = RequireSession(httpContext);
        var value = await claim.FetchValueAsJsonAsync(new SessionClaimFetchContext(session.UserId, session.AccessTokenPayload, httpContext),
            cancellationToken).ConfigureAwait(false);
        return value is null
            || await sessions.UpdateAccessTokenPayloadAsync(httpContext, claim.BuildPayloadUpdate(value, Now(httpContext)), cancellationToken)
                .ConfigureAwait(false);
    }

    /// <summary>Stores <paramref name="value"/> as <paramref name="claim"/>'s value, fetched now.</summary>
    /// <param name="sessions">The session service.</param>
    /// <param name="httpContext">The request, with a verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <typeparam name="T">The claim's value type.</typeparam>
    /// <returns><see langword="false"/> when the session no longer exists.</returns>
    public static Task<bool> SetClaimValueAsync<T>(this ISessionService sessions, HttpContext httpContext, PrimitiveClaim<T> claim, T value,
        CancellationToken cancellationToken = default)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(claim);
        RequireSession(httpContext);
        return sessions.UpdateAccessTokenPayloadAsync(httpContext, claim.BuildPayloadUpdate(ClaimJson.ToNode(value), Now(httpContext)), cancellationToken);
    }

    /// <summary>Stores <paramref name="values"/> as <paramref name="claim"/>'s value, fetched now.</summary>
    /// <param name="sessions">The session service.</param>
    /// <param name="httpContext">The request, with a verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="values">The values.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <typeparam name="T">The claim's element type.</typeparam>
    /// <returns><see langword="false"/> when the session no longer exists.</returns>
    public static Task<bool> SetClaimValueAsync<T>(this ISessionService sessions, HttpContext httpContext, PrimitiveArrayClaim<T> claim,
        IEnumerable<T> values, CancellationToken cancellationToken = default)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(values);
        RequireSession(httpContext);
        return sessions.UpdateAccessTokenPayloadAsync(httpContext, claim.BuildPayloadUpdate(ClaimJson.ToArray(values), Now(httpContext)), cancellationToken);
    }

    /// <summary>Removes <paramref name="claim"/> from the session's payload.</summary>
    /// <param name="sessions">The session service.</param>
    /// <param name="httpContext">The request, with a verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns><see langword="false"/> when the session no longer exists.</returns>
    public static Task<bool> RemoveClaimAsync(this ISessionService sessions, HttpContext httpContext, SessionClaim claim,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(claim);
        RequireSession(httpContext);
        return sessions.UpdateAccessTokenPayloadAsync(httpContext, claim.BuildRemoval(), cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="validators"/> on the request's session as authorization does (claims missing or too old are fetched and stored
    /// first) and returns the failures; an empty list means valid. To answer the failures with the protocol's 403, call
    /// <see cref="ForbidInvalidClaimsAsync"/>.
    /// </summary>
    /// <param name="sessions">The session service.</param>
    /// <param name="httpContext">The request, with a verified session.</param>
    /// <param name="validators">The validators (e.g. <see cref="SesameServerOptions.ClaimValidators"/> plus the endpoint's own).</param>
    /// <param name="cancellationToken">Cancels fetches and the update.</param>
    /// <returns>The failed validators; <see langword="null"/> when the session no longer exists (its tokens are cleared).</returns>
    public static async Task<IReadOnlyList<ClaimValidationError>?> ValidateClaimsAsync(this ISessionService sessions, HttpContext httpContext,
        IEnumerable<SessionClaimValidator> validators, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(validators);
        RequireSession(httpContext);
        var outcome = await SessionClaimsRunner.RunAsync(httpContext, sessions, Time(httpContext), [.. validators], cancellationToken)
            .ConfigureAwait(false);
        return outcome.SessionGone ? null : outcome.Errors;
    }

    /// <summary>
    /// Answers the request with the invalid-claim status (<see cref="SesameServerOptions.InvalidClaimStatusCode"/>) and the protocol's body
    /// <c>{"message":"invalid claim","claimValidationErrors":[…]}</c>, through the Sesame scheme's forbid.
    /// </summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="errors">The failures to list.</param>
    /// <returns>A task that completes when the answer is written.</returns>
    public static Task ForbidInvalidClaimsAsync(this HttpContext httpContext, IReadOnlyList<ClaimValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(errors);
        httpContext.Features.Set(new SessionClaimsOutcome(errors, false));
        return httpContext.ForbidAsync(SesameDefaults.AuthenticationScheme);
    }

    /// <summary>The session's value of <paramref name="claim"/>, or none.</summary>
    /// <param name="session">The verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <typeparam name="T">The claim's value type.</typeparam>
    /// <returns>The value, or none.</returns>
    public static ClaimValue<T> GetClaimValue<T>(this SesameSession session, PrimitiveClaim<T> claim)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(claim);
        return claim.GetValueFromPayload(session.AccessTokenPayload);
    }

    /// <summary>The session's values of <paramref name="claim"/>, or none.</summary>
    /// <param name="session">The verified session.</param>
    /// <param name="claim">The claim.</param>
    /// <typeparam name="T">The claim's element type.</typeparam>
    /// <returns>The values, or none.</returns>
    public static ClaimValue<IReadOnlyList<T>> GetClaimValue<T>(this SesameSession session, PrimitiveArrayClaim<T> claim)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(claim);
        return claim.GetValueFromPayload(session.AccessTokenPayload);
    }

    private static SesameSession RequireSession(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.GetSesameSession()
            ?? throw new InvalidOperationException("Session claims need a request with a verified Sesame session.");
    }

    private static TimeProvider Time(HttpContext httpContext) => httpContext.RequestServices?.GetService<TimeProvider>() ?? TimeProvider.System;

    private static DateTimeOffset Now(HttpContext httpContext) => Time(httpContext).GetUtcNow();
}
