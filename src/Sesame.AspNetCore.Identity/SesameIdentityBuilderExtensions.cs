using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sesame.AspNetCore.Identity.Internal;

namespace Sesame.AspNetCore.Identity;

/// <summary>Plugs Sesame sessions into ASP.NET Core Identity.</summary>
public static class SesameIdentityBuilderExtensions
{
    /// <summary>
    /// Gives Identity users Sesame sessions: adds the Sesame server (<c>AddSesame()</c>; configure it with your own <c>AddSesame(…)</c> call,
    /// before or after), Identity's default token providers (two-factor, email confirmation, password reset), an email sender that sends
    /// nothing unless you register an <see cref="IEmailSender{TUser}"/>, <see cref="SesameIdentitySessions{TUser}"/>, and Identity's rules
    /// at every refresh (<see cref="SesameIdentitySessions{TUser}.ValidateRefreshAsync"/>). Sets
    /// <see cref="ClaimsIdentityOptions.UserIdClaimType"/> to <c>sub</c>, the claim holding the user id on a Sesame principal, so
    /// <c>UserManager.GetUserAsync(User)</c> finds the user. Use with <c>AddIdentityCore&lt;TUser&gt;()</c>, in place of
    /// <c>AddIdentityApiEndpoints&lt;TUser&gt;()</c> (whose bearer and cookie schemes Sesame replaces).
    /// </summary>
    /// <param name="builder">The Identity builder.</param>
    /// <param name="configure">Sets <see cref="SesameIdentityOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static IdentityBuilder AddSesameSessions(this IdentityBuilder builder, Action<SesameIdentityOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<SesameIdentityOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var userType = builder.UserType;
        var marker = typeof(Marker<>).MakeGenericType(userType);
        if (services.Any(d => d.ServiceType == marker))
        {
            return builder; // a second call only adds configuration
        }

        services.AddSingleton(marker);
        services.AddSesame();
        builder.AddDefaultTokenProviders();
        services.Configure<IdentityOptions>(static identity => identity.ClaimsIdentity.UserIdClaimType = "sub");
        services.TryAdd(ServiceDescriptor.Transient(typeof(IEmailSender<>).MakeGenericType(userType),
            typeof(NoOpEmailSender<>).MakeGenericType(userType)));
        var sessionsType = typeof(SesameIdentitySessions<>).MakeGenericType(userType);
        services.TryAddScoped(sessionsType);
        services.AddOptionsWithValidateOnStart<SesameIdentityOptions, SesameIdentityOptionsValidator>();

        // Identity's rules run after any OnRefreshing handler of the app, and only if it did not refuse the refresh already.
        services.AddOptions<SesameServerOptions>().PostConfigure(server =>
        {
            var previous = server.Events.OnRefreshing;
            server.Events.OnRefreshing = async context =>
            {
                await previous(context).ConfigureAwait(false);
                if (!context.IsRejected)
                {
                    var sessions = (IRefreshValidator)context.HttpContext.RequestServices.GetRequiredService(sessionsType);
                    await sessions.ValidateRefreshAsync(context).ConfigureAwait(false);
                }
            };
        });
        return builder;
    }

    /// <summary>Marks that <c>AddSesameSessions</c> ran for a user type.</summary>
    private sealed class Marker<TUser>;
}
