using System.Text.Json;

namespace Sesame.Client.Internal;

/// <summary><see cref="ISessionClient"/> over the coordinator; sign-out goes through a session handler like any app call.</summary>
internal sealed class SessionClient(RefreshCoordinator coordinator, HttpMessageInvoker interceptedInvoker) : ISessionClient
{
    internal RefreshCoordinator Coordinator => coordinator;

    public Task<bool> DoesSessionExistAsync(CancellationToken cancellationToken = default) => coordinator.DoesSessionExistAsync(cancellationToken);

    public Task<bool> AttemptRefreshingSessionAsync(CancellationToken cancellationToken = default) => coordinator.AttemptRefreshingSessionAsync(cancellationToken);

    public async Task SignOutAsync(CancellationToken cancellationToken = default)
    {
        if (!await coordinator.DoesSessionExistAsync(cancellationToken).ConfigureAwait(false))
        {
            coordinator.Raise(SessionEvent.SignedOut);
            return;
        }

        var dialect = coordinator.Dialect;
        if (dialect.Endpoints.SignOutUri is not { } signOutUri)
        {
            // Legacy without a sign-out URL: the app's own logout endpoint is unknown, so only the local session is forgotten.
            await coordinator.TokenStore.UpdateAsync(static _ => SessionTokens.Empty, CancellationToken.None).ConfigureAwait(false);
            coordinator.Raise(SessionEvent.SignedOut);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, signOutUri);
        if (dialect.KnowsAccessTokenExpiry)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Rid, HeaderNames.RidSession);
            request.Headers.TryAddWithoutValidation(HeaderNames.FdiVersion, HeaderNames.FdiVersions);
        }

        request.Options.Set(SessionRequestOptions.Explicit, true);
        using var response = await interceptedInvoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status == dialect.SessionExpiredStatusCode)
        {
            return;
        }

        if (status >= 300)
        {
            throw new HttpRequestException($"The sign-out endpoint {signOutUri} answered {status}.", null, response.StatusCode);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (TryReadGeneralError(body, out var message))
        {
            throw new SesameGeneralException(message);
        }
    }

    public async Task<string> GetUserIdAsync(CancellationToken cancellationToken = default)
    {
        EnsureFrontTokenDialect();
        var tokens = await coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false);
        var info = coordinator.Dialect.GetState(tokens) == LocalSessionState.Exists ? tokens.DecodedFrontToken : null;
        return info?.UserId ?? throw new SessionExpiredException("No session exists");
    }

    public async Task<JsonElement> GetAccessTokenPayloadAsync(CancellationToken cancellationToken = default)
    {
        EnsureFrontTokenDialect();
        var refreshed = false;
        while (true)
        {
            var tokens = await coordinator.GetTokensForRequestAsync(cancellationToken).ConfigureAwait(false);
            var info = coordinator.Dialect.GetState(tokens) == LocalSessionState.Exists ? tokens.DecodedFrontToken : null;
            if (info is null)
            {
                throw new SessionExpiredException("No session exists");
            }

            if (info.AccessTokenExpiryMilliseconds >= coordinator.ServerNowMilliseconds || refreshed)
            {
                return info.Payload;
            }

            if (!await coordinator.AttemptRefreshingSessionAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new SessionExpiredException("Could not refresh session");
            }

            refreshed = true;
        }
    }

    public async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken = default) =>
        await coordinator.DoesSessionExistAsync(cancellationToken).ConfigureAwait(false) ? coordinator.TokenStore.Current.AccessToken : null;

    private void EnsureFrontTokenDialect()
    {
        if (!coordinator.Dialect.KnowsAccessTokenExpiry)
        {
            throw new NotSupportedException("The legacy protocol gives the client no user id or access-token payload (it has no front token).");
        }
    }

    private static bool TryReadGeneralError(byte[] body, out string message)
    {
        message = string.Empty;
        if (body.Length == 0)
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
                && s.GetString() == "GENERAL_ERROR")
            {
                message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : "general error";
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
