using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore.Internal;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore;

/// <summary>Maps the session endpoints.</summary>
public static class SesameEndpoints
{
    /// <summary>
    /// Maps <c>POST {base}/session/refresh</c>, <c>POST {base}/signout</c>, <c>GET {base}/jwt/jwks.json</c> and
    /// <c>GET {base}/.well-known/openid-configuration</c> (base = <see cref="SesameServerOptions.ApiBasePath"/>).
    /// </summary>
    /// <param name="endpoints">The app's endpoint builder.</param>
    /// <returns>A builder for conventions on all four endpoints (e.g. CORS policy).</returns>
    public static IEndpointConventionBuilder MapSesame(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var settings = endpoints.ServiceProvider.GetRequiredService<SesameSettings>();
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost(settings.RefreshPath, RefreshAsync).AllowAnonymous().WithDisplayName("Sesame refresh");
        group.MapPost(settings.SignOutPath, SignOutAsync).AllowAnonymous().WithDisplayName("Sesame sign-out");
        group.MapGet(settings.JwksPath, JwksAsync).AllowAnonymous().WithDisplayName("Sesame JWKS");
        group.MapGet(settings.OpenIdConfigurationPath, OpenIdConfigurationAsync).AllowAnonymous().WithDisplayName("Sesame OpenID configuration");
        return group;
    }

    private static async Task RefreshAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var settings = services.GetRequiredService<SesameSettings>();
        SessionRefreshResult result;
        try
        {
            result = await services.GetRequiredService<ISessionService>().RefreshSessionAsync(context, context.RequestAborted).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            // Never a 401 here: the client keeps its tokens and retries later.
            Log.StoreUnavailable(services.GetRequiredService<ILogger<SessionService>>(), "refresh", ex);
            await ProtocolResponses.UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        await (result.Status switch
        {
            SessionRefreshStatus.Refreshed => ProtocolResponses.RefreshedAsync(context),
            SessionRefreshStatus.TokenTheftDetected => SessionAnswers.TheftAsync(context, result.TheftDetected, settings),
            SessionRefreshStatus.DuplicateSessionCookies => ProtocolResponses.DuplicateCookiesAsync(context),
            SessionRefreshStatus.OlderDomainCookiesCleared => ProtocolResponses.OlderDomainCookiesClearedAsync(context),
            // The refresher has cleared the tokens of every refused refresh.
            _ => SessionAnswers.UnauthorisedAsync(context, settings, tokensCleared: true),
        }).ConfigureAwait(false);
    }

    private static async Task SignOutAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var settings = services.GetRequiredService<SesameSettings>();
        var sessions = services.GetRequiredService<ISessionService>();
        // Read-only: a refreshed token about to be revoked is not promoted first (a wasted write).
        var verification = await services.GetRequiredService<SessionVerifier>().VerifyWithoutPromotionAsync(context).ConfigureAwait(false);
        if (verification.Status != SessionVerificationStatus.Valid)
        {
            await SessionAnswers.VerificationFailureAsync(context, verification, settings, services.GetRequiredService<TokenTransport>()).ConfigureAwait(false);
            return;
        }

        try
        {
            await sessions.SignOutAsync(context, context.RequestAborted).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            Log.StoreUnavailable(services.GetRequiredService<ILogger<SessionService>>(), "sign-out", ex);
            await ProtocolResponses.UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        await ProtocolResponses.SignedOutAsync(context).ConfigureAwait(false);
    }

    private static async Task JwksAsync(HttpContext context)
    {
        var keys = context.RequestServices.GetRequiredService<SigningKeyRing>();
        byte[] json;
        int maxAge;
        try
        {
            (json, maxAge) = await keys.GetJwksAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            await ProtocolResponses.UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.CacheControl = "max-age=" + maxAge.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", must-revalidate";
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task OpenIdConfigurationAsync(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<SesameSettings>();
        var issuer = settings.Issuer(context.Request);
        context.Response.Headers.AccessControlAllowOrigin = "*";
        return context.Response.WriteAsJsonAsync(new OpenIdConfiguration(issuer, issuer + "/jwt/jwks.json"), OpenIdJson.Options,
            context.RequestAborted);
    }

    private sealed record OpenIdConfiguration(string Issuer, string JwksUri);

    private static class OpenIdJson
    {
        public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    }
}
