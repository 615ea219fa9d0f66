using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sesame.AspNetCore.Identity.Internal;

namespace Sesame.AspNetCore.Identity;

/// <summary>Maps the Identity endpoints over Sesame sessions.</summary>
public static class SesameIdentityEndpoints
{
    /// <summary>
    /// Maps <c>MapIdentityApi</c>'s endpoints with its request and response shapes (<c>POST /register</c>, <c>POST /login</c>,
    /// <c>GET /confirmEmail</c>, <c>POST /resendConfirmationEmail</c>, <c>POST /forgotPassword</c>, <c>POST /resetPassword</c>,
    /// <c>POST /manage/2fa</c>, <c>GET|POST /manage/info</c>), except that <c>/login</c> starts a Sesame session (cookies when the request
    /// says <c>st-auth-mode: cookie</c> or <c>?useCookies=true</c>, else headers) and answers a refused login with
    /// <see cref="SesameIdentityOptions.LoginFailureStatusCode"/>; refresh and sign-out are <c>MapSesame()</c>'s
    /// (<c>POST /auth/session/refresh</c>, <c>POST /auth/signout</c>), so there is no <c>/refresh</c> here. Needs
    /// <c>AddIdentityCore&lt;TUser&gt;()…AddSesameSessions()</c>, and <c>app.MapSesame()</c>. A password or two-factor change through
    /// <c>/manage</c> revokes the user's other sessions and keeps the caller's; a password reset or email change revokes them all.
    /// </summary>
    /// <typeparam name="TUser">The Identity user type.</typeparam>
    /// <param name="endpoints">Where to map (e.g. <c>app.MapGroup("/account")</c>).</param>
    /// <returns>A builder for conventions on every endpoint.</returns>
    public static IEndpointConventionBuilder MapSesameIdentityApi<TUser>(this IEndpointRouteBuilder endpoints)
        where TUser : class, new()
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var confirmEmail = new ConfirmEmailEndpoint();
        var group = endpoints.MapGroup(string.Empty).WithMetadata(confirmEmail);
        group.MapPost("/register", IdentityApiHandlers<TUser>.RegisterAsync);
        group.MapPost("/login", IdentityApiHandlers<TUser>.LoginAsync);
        group.MapGet("/confirmEmail", IdentityApiHandlers<TUser>.ConfirmEmailAsync).Add(builder =>
        {
            // Named after its final route so several mappings (e.g. under different groups) each link to their own.
            var name = "MapSesameIdentityApi-" + ((RouteEndpointBuilder)builder).RoutePattern.RawText;
            confirmEmail.Name = name;
            builder.Metadata.Add(new EndpointNameMetadata(name));
        });
        group.MapPost("/resendConfirmationEmail", IdentityApiHandlers<TUser>.ResendConfirmationEmailAsync);
        group.MapPost("/forgotPassword", IdentityApiHandlers<TUser>.ForgotPasswordAsync);
        group.MapPost("/resetPassword", IdentityApiHandlers<TUser>.ResetPasswordAsync);
        var manage = group.MapGroup("/manage").RequireAuthorization();
        manage.MapPost("/2fa", IdentityApiHandlers<TUser>.TwoFactorAsync);
        manage.MapGet("/info", (Delegate)IdentityApiHandlers<TUser>.GetInfoAsync);
        manage.MapPost("/info", IdentityApiHandlers<TUser>.PostInfoAsync);
        return new ConventionBuilder(group);
    }

    /// <summary>Hides the route group type, so what is returned is only a convention builder.</summary>
    private sealed class ConventionBuilder(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => inner.Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(finallyConvention);
    }
}
