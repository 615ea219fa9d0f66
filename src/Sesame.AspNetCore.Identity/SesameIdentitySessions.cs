using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore.Identity.Internal;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Identity;

/// <summary>
/// Sesame sessions of ASP.NET Core Identity users: starts a session for a user (its roles and claims in the access-token payload, its
/// security stamp remembered), revokes a user's sessions, and holds Identity's rules at every refresh (deleted, locked-out or changed
/// users are refused). Scoped; resolve it in endpoints that log users in by other means than <c>MapSesameIdentityApi</c>.
/// </summary>
/// <typeparam name="TUser">The Identity user type.</typeparam>
public sealed class SesameIdentitySessions<TUser> : IRefreshValidator
    where TUser : class
{
    private readonly UserManager<TUser> _users;
    private readonly IUserClaimsPrincipalFactory<TUser> _principals;
    private readonly ISessionService _sessions;
    private readonly IServiceProvider _services;
    private readonly SesameIdentityOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the service (normally resolved from DI).</summary>
    /// <param name="users">Identity's user manager.</param>
    /// <param name="principals">Makes the user's principal (claims and roles).</param>
    /// <param name="sessions">The Sesame session service.</param>
    /// <param name="services">The request's services (for an optional <see cref="SignInManager{TUser}"/> and <see cref="IUserConfirmation{TUser}"/>).</param>
    /// <param name="options">The integration's options.</param>
    /// <param name="logger">The logger.</param>
    public SesameIdentitySessions(UserManager<TUser> users, IUserClaimsPrincipalFactory<TUser> principals, ISessionService sessions,
        IServiceProvider services, IOptions<SesameIdentityOptions> options, ILogger<SesameIdentitySessions<TUser>> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _users = users ?? throw new ArgumentNullException(nameof(users));
        _principals = principals ?? throw new ArgumentNullException(nameof(principals));
        _sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _options = options.Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>
    /// The access-token payload of <paramref name="user"/>: its principal's claims (<c>name</c>, <c>email</c>, user claims, a
    /// <c>roles</c> array) and a hash of its security stamp, then <see cref="SesameIdentityOptions.ConfigurePayload"/>.
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<JsonObject> CreatePayloadAsync(TUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        cancellationToken.ThrowIfCancellationRequested();
        var principal = await _principals.CreateAsync(user).ConfigureAwait(false);
        var stamp = _users.SupportsUserSecurityStamp ? await _users.GetSecurityStampAsync(user).ConfigureAwait(false) : null;
        var payload = IdentityPayload.Create(principal, _users.Options.ClaimsIdentity, stamp);
        _options.ConfigurePayload?.Invoke(principal, payload);
        return payload;
    }

    /// <summary>
    /// Starts a Sesame session for <paramref name="user"/> (after the app checked its credentials) and sends its tokens as the request asks
    /// (<c>st-auth-mode: cookie</c> gives cookies, anything else headers).
    /// </summary>
    /// <param name="httpContext">The login request.</param>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new session.</returns>
    public async Task<SesameSession> CreateSessionAsync(HttpContext httpContext, TUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var payload = await CreatePayloadAsync(user, cancellationToken).ConfigureAwait(false);
        var userId = await _users.GetUserIdAsync(user).ConfigureAwait(false);
        return await _sessions.CreateSessionAsync(httpContext, userId, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Revokes every session of <paramref name="user"/> in the session store (so on every server instance): their refreshes fail from now
    /// on, and their access tokens end with their short lifetime.
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many sessions were revoked.</returns>
    public async Task<int> RevokeAllSessionsAsync(TUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var userId = await _users.GetUserIdAsync(user).ConfigureAwait(false);
        var revoked = await _sessions.RevokeAllSessionsForUserAsync(userId, cancellationToken).ConfigureAwait(false);
        Log.SessionsRevoked(_logger, revoked.Count, userId);
        return revoked.Count;
    }

    /// <summary>
    /// After a change of <paramref name="user"/>'s roles or claims (which Identity makes without changing the security stamp): stores the
    /// new payload in each of the user's sessions, so each gets it at its next refresh without a new login. Each session keeps the stamp
    /// hash it had, so a session that a stamp change has ended stays ended.
    /// </summary>
    /// <param name="user">The user, as stored after the change.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many sessions were updated.</returns>
    public async Task<int> UpdateSessionPayloadsAsync(TUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var userId = await _users.GetUserIdAsync(user).ConfigureAwait(false);
        var fresh = await CreatePayloadAsync(user, cancellationToken).ConfigureAwait(false);
        fresh.Remove(IdentityPayload.StampClaim);
        var updated = 0;
        foreach (var session in await _sessions.ListSessionsAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (await _sessions.UpdateAccessTokenPayloadAsync(session.SessionHandle, ChangesFrom(session.AccessTokenPayload, fresh),
                    cancellationToken).ConfigureAwait(false))
            {
                updated++;
            }
        }

        return updated;
    }

    /// <summary>The merge that turns <paramref name="current"/> into <paramref name="fresh"/> (claims no longer there are deleted), the stamp hash kept.</summary>
    private static JsonObject ChangesFrom(JsonObject current, JsonObject fresh)
    {
        var changes = (JsonObject)fresh.DeepClone();
        foreach (var (name, _) in current)
        {
            if (!fresh.ContainsKey(name) && name != IdentityPayload.StampClaim)
            {
                changes[name] = null;
            }
        }

        return changes;
    }

    /// <summary>
    /// After a change of <paramref name="user"/>'s security stamp made by the request's own session (password or two-factor change):
    /// revokes the user's other sessions and gives the request's session the new stamp and claims, so it stays signed in. Without a
    /// session of that user on the request, revokes all of them.
    /// </summary>
    /// <param name="httpContext">The request that made the change.</param>
    /// <param name="user">The user, as stored after the change.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task RenewAfterSecurityChangeAsync(HttpContext httpContext, TUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(user);
        var userId = await _users.GetUserIdAsync(user).ConfigureAwait(false);
        var current = httpContext.GetSesameSession();
        if (current is null || !string.Equals(current.UserId, userId, StringComparison.Ordinal))
        {
            await RevokeAllSessionsAsync(user, cancellationToken).ConfigureAwait(false);
            return;
        }

        var revoked = 0;
        foreach (var session in await _sessions.ListSessionsAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (!string.Equals(session.SessionHandle, current.SessionHandle, StringComparison.Ordinal)
                && await _sessions.RevokeSessionAsync(session.SessionHandle, cancellationToken).ConfigureAwait(false))
            {
                revoked++;
            }
        }

        Log.SessionsRevoked(_logger, revoked, userId);

        // The whole payload anew, the new stamp hash included: claims the user no longer has are deleted (reserved ones are ignored).
        var fresh = await CreatePayloadAsync(user, cancellationToken).ConfigureAwait(false);
        await _sessions.UpdateAccessTokenPayloadAsync(httpContext, ChangesFrom(current.AccessTokenPayload, fresh), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Identity's rules at a refresh (what <c>AddSesameSessions</c> runs from <see cref="SesameEvents.OnRefreshing"/>): refuses it when the
    /// user no longer exists, is locked out, may no longer sign in, or its security stamp differs from the one the session started with.
    /// When Identity's user store fails with a database error or a timeout, throws <see cref="SessionStoreUnavailableException"/>, so the
    /// refresh answers 503 and the session is kept, as when the session store itself is down.
    /// </summary>
    /// <param name="context">The refresh about to happen.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="SessionStoreUnavailableException">Identity's user store could not be read.</exception>
    public async Task ValidateRefreshAsync(SesameRefreshingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        string? reason;
        try
        {
            reason = await RefusalReasonAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreOutage(ex))
        {
            // Not the user's fault and no verdict on the session: 503 (the client keeps its tokens and retries), never a sign-out.
            throw new SessionStoreUnavailableException("The Identity user store is unavailable.", ex);
        }

        if (reason is not null)
        {
            Log.RefreshRefused(_logger, context.SessionHandle, context.UserId, reason);
            context.Reject(reason);
        }
    }

    Task IRefreshValidator.ValidateRefreshAsync(SesameRefreshingContext context) =>
        ValidateRefreshAsync(context, context.HttpContext.RequestAborted);

    /// <summary>
    /// A database error or a timeout anywhere in the chain (EF Core passes the provider's <see cref="DbException"/> through, or wraps it
    /// when its retries ran out). Identity's stores are the app's choice, so any database is recognised by the base type.
    /// </summary>
    private static bool IsStoreOutage(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<string?> RefusalReasonAsync(SesameRefreshingContext context)
    {
        var user = await _users.FindByIdAsync(context.UserId).ConfigureAwait(false);
        if (user is null)
        {
            return "the user no longer exists";
        }

        if (_users.SupportsUserSecurityStamp
            && !IdentityPayload.HasStamp(context.AccessTokenPayload, await _users.GetSecurityStampAsync(user).ConfigureAwait(false)))
        {
            return "the user's security stamp changed";
        }

        if (_options.RefuseRefreshWhenLockedOut && _users.SupportsUserLockout && await _users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return "the user is locked out";
        }

        if (_options.RefuseRefreshWhenSignInNotAllowed && !await CanSignInAsync(user).ConfigureAwait(false))
        {
            return "the user may not sign in";
        }

        return null;
    }

    /// <summary>Identity's "may this user sign in" (confirmed email, phone number, account as required): the app's SignInManager if it has one.</summary>
    internal async Task<bool> CanSignInAsync(TUser user)
    {
        if (_services.GetService<SignInManager<TUser>>() is { } signInManager)
        {
            return await signInManager.CanSignInAsync(user).ConfigureAwait(false);
        }

        var signIn = _users.Options.SignIn;
        if (signIn.RequireConfirmedEmail && !await _users.IsEmailConfirmedAsync(user).ConfigureAwait(false))
        {
            return false;
        }

        if (signIn.RequireConfirmedPhoneNumber && !await _users.IsPhoneNumberConfirmedAsync(user).ConfigureAwait(false))
        {
            return false;
        }

        var confirmation = _services.GetService<IUserConfirmation<TUser>>() ?? new DefaultUserConfirmation<TUser>();
        return !signIn.RequireConfirmedAccount || await confirmation.IsConfirmedAsync(_users, user).ConfigureAwait(false);
    }
}
