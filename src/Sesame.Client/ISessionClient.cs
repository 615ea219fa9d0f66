using System.Text.Json;

namespace Sesame.Client;

/// <summary>The session operations of docs/protocol/refresh.md#session-operations (resolve from DI, or use the static <see cref="SesameRequest"/>).</summary>
public interface ISessionClient
{
    /// <summary>True if a session exists. Probes the server when the client knows nothing yet and refreshes an expired access token;
    /// refresh failures give false, never an exception.</summary>
    /// <param name="cancellationToken">Cancels a probe or refresh.</param>
    /// <returns>Whether a session exists.</returns>
    Task<bool> DoesSessionExistAsync(CancellationToken cancellationToken = default);

    /// <summary>Refreshes the session now: true if it is fresh afterwards, false if it is gone; a failing refresh endpoint (e.g. 500)
    /// throws <see cref="HttpRequestException"/> with its status.</summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>Whether the session is fresh.</returns>
    Task<bool> AttemptRefreshingSessionAsync(CancellationToken cancellationToken = default);

    /// <summary>Signs out: calls the sign-out endpoint (refreshing first if needed) and forgets the session. Without a session only the
    /// <see cref="SessionEventType.SignOut"/> event is raised. A <c>GENERAL_ERROR</c> answer throws <see cref="SesameGeneralException"/>;
    /// another failure status throws <see cref="HttpRequestException"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when signed out.</returns>
    Task SignOutAsync(CancellationToken cancellationToken = default);

    /// <summary>The session's user id (from the front token). Throws <see cref="SessionExpiredException"/> "No session exists" without a session;
    /// <see cref="NotSupportedException"/> with the legacy protocol (it gives the client no user id).</summary>
    /// <param name="cancellationToken">Cancels a probe.</param>
    /// <returns>The user id.</returns>
    Task<string> GetUserIdAsync(CancellationToken cancellationToken = default);

    /// <summary>The access-token payload, refreshing first if the access token has expired. Throws <see cref="SessionExpiredException"/>
    /// ("No session exists" / "Could not refresh session"); <see cref="NotSupportedException"/> with the legacy protocol.</summary>
    /// <param name="cancellationToken">Cancels a probe or refresh.</param>
    /// <returns>The payload (a detached JSON element).</returns>
    Task<JsonElement> GetAccessTokenPayloadAsync(CancellationToken cancellationToken = default);

    /// <summary>The access token if a session exists and the tokens travel in headers; null otherwise (cookie sessions keep it in the cookie).</summary>
    /// <param name="cancellationToken">Cancels a probe or refresh.</param>
    /// <returns>The access token or null.</returns>
    Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken = default);
}
