using System.ComponentModel.DataAnnotations;

namespace Sesame.Client;

/// <summary>Options of the Sesame client. Validated when the client starts (by <c>AddSesameClient</c> and <c>SesameRequest.Init</c>).</summary>
public sealed class SesameClientOptions
{
    /// <summary>The API's origin, e.g. <c>https://api.example.com</c> or <c>localhost:5000</c> (normalised to <c>scheme://host[:port]</c>;
    /// the scheme defaults to <c>https</c>, or <c>http</c> for localhost and IP addresses). Required unless <see cref="RefreshTokenUrl"/> is set.</summary>
    public string? ApiDomain { get; set; }

    /// <summary>The path under which the session endpoints live. Default <c>/auth</c>.</summary>
    [Required(AllowEmptyStrings = true, ErrorMessage = "ApiBasePath cannot be null (use \"\" or \"/\" for the root).")]
    public string ApiBasePath { get; set; } = "/auth";

    /// <summary>An explicit refresh URL (the seeds' <c>init(refreshTokenUrl, …)</c>). Required for <see cref="SessionProtocol.Legacy"/>;
    /// with the current protocol it overrides <c>{ApiDomain}{ApiBasePath}/session/refresh</c>, and when <see cref="ApiDomain"/> is not set the
    /// API domain is the refresh URL's origin.</summary>
    public string? RefreshTokenUrl { get; set; }

    /// <summary>An explicit sign-out URL. Default <c>{ApiDomain}{ApiBasePath}/signout</c> (current protocol); with the legacy protocol,
    /// when not set, <see cref="ISessionClient.SignOutAsync"/> only forgets the local session.</summary>
    public string? SignOutUrl { get; set; }

    /// <summary>The status the server answers when the access token has expired ("try refresh"). Default 401 (the seeds use 440).</summary>
    public int SessionExpiredStatusCode { get; set; } = 401;

    /// <summary>The status the server answers when a session claim is invalid. Default 403. Must differ from <see cref="SessionExpiredStatusCode"/>.</summary>
    public int InvalidClaimStatusCode { get; set; } = 403;

    /// <summary>How tokens travel (current protocol only). Default <see cref="TokenTransferMethod.Header"/>.</summary>
    public TokenTransferMethod TokenTransferMethod { get; set; } = TokenTransferMethod.Header;

    /// <summary>A domain whose sub-domains also receive the session (e.g. <c>.example.com</c>). Default: only the API domain's host.</summary>
    public string? SessionTokenBackendDomain { get; set; }

    /// <summary>How many times one request may refresh the session and retry after an expired-session answer. Default 10; 0 disables refreshing on expiry.</summary>
    public int MaxRetryAttemptsForSessionRefresh { get; set; } = 10;

    /// <summary>The wire dialect. Default <see cref="SessionProtocol.Current"/>.</summary>
    public SessionProtocol Protocol { get; set; } = SessionProtocol.Current;

    /// <summary>How long one refresh request may take before it is abandoned (<see cref="OperationCanceledException"/>, session kept). Default 30 s.</summary>
    public TimeSpan RefreshRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request waits for the refresh lock before it re-checks whether another request (or process) refreshed already. Default 1 s.</summary>
    public TimeSpan RefreshLockWaitTimeout { get; set; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>How long a request waits in all for the refresh lock (re-checking every <see cref="RefreshLockWaitTimeout"/> whether the session
    /// changed) before it gives up with a <see cref="TimeoutException"/> naming the lock; the session is kept. It bounds a lock held by a stuck
    /// process or by another local user. Default 60 s (twice the default <see cref="RefreshRequestTimeout"/>: a legitimate holder is a
    /// refresh in flight); <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</summary>
    public TimeSpan RefreshLockMaxWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Refresh the session before a call goes out on an access token that, by the server's clock as this client measures it, has
    /// expired or expires within <see cref="RefreshBeforeExpiry"/>, instead of sending the call to get the expired-session answer first
    /// (docs/protocol/refresh.md#proactive-refresh). The refresh is the usual one (one for all concurrent calls, under the refresh lock).
    /// Default <see langword="false"/>: the official client's behaviour (refresh only after the expired-session answer). Ignored by the
    /// legacy protocol, whose responses tell the client no expiry, and when <see cref="MaxRetryAttemptsForSessionRefresh"/> is 0.</summary>
    public bool ProactiveRefresh { get; set; }

    /// <summary>With <see cref="ProactiveRefresh"/>: how long before the access token's expiry a call refreshes first. Default 10 s (more than
    /// the 7 s of clock skew the client leaves uncorrected, docs/protocol/refresh.md#clock-skew). Capped per token at half its lifetime, so a
    /// margin longer than the server's token lifetime never makes every call refresh. Must not be negative; 0 refreshes only once the token
    /// has expired.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Called for every session event (created, refreshed, unauthorised, signed out, payload updated, invalid claim). Exceptions it throws are logged and ignored.</summary>
    public Action<SessionEvent>? OnSessionEvent { get; set; }

    /// <summary>How the interception scope treats scheme and port. Default <see cref="InterceptionScopeRule.HostNoDowngrade"/>. The legacy
    /// protocol always compares scheme, host and port with the refresh URL's (its reference rule).</summary>
    [EnumDataType(typeof(InterceptionScopeRule), ErrorMessage = "InterceptionScope must be one of the InterceptionScopeRule values.")]
    public InterceptionScopeRule InterceptionScope { get; set; } = InterceptionScopeRule.HostNoDowngrade;

    /// <summary>Replaces the interception scope rule: return <see langword="true"/> for the absolute URLs the client should attach the session to.
    /// Default: the rule of the chosen protocol (same host as the API domain or under <see cref="SessionTokenBackendDomain"/>, with <see cref="InterceptionScope"/>;
    /// legacy: same origin as the refresh URL). It replaces <see cref="InterceptionScope"/> too: the function alone decides, redirect hops included.</summary>
    public Func<Uri, bool>? ShouldIntercept { get; set; }

    /// <summary>The claim validators <c>ValidateClaimsAsync</c> checks by default (the official client's global claim validators). Empty by default.</summary>
    public IList<Claims.ClientClaimValidator> ClaimValidators { get; } = [];

    /// <summary>Creates a shallow copy (the explicit API copies the options it is given so later changes do not leak in).</summary>
    internal SesameClientOptions Clone() => (SesameClientOptions)MemberwiseClone();
}
