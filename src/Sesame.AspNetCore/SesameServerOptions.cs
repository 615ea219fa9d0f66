using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>Settings of the Sesame server. Bound from configuration (e.g. section <c>Session</c>) and validated at start-up.</summary>
public sealed class SesameServerOptions
{
    private const string ApiBasePathRule = "Session:ApiBasePath must start with '/' (e.g. /auth).";

    /// <summary>How long an access token is valid. Default 1 hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a session lives without a refresh-token rotation. Default 100 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(100);

    /// <summary>
    /// The public origin of the API, e.g. <c>https://api.example.com</c>. Used for the <c>iss</c> claim, the OpenID
    /// configuration and the default of <see cref="CookieSecure"/>. When <see langword="null"/>, the request's own
    /// scheme and host are used.
    /// </summary>
    public string? ApiDomain { get; set; }

    /// <summary>
    /// The public origin of the website that calls the API, e.g. <c>https://example.com</c>. Only used to choose the
    /// default <see cref="CookieSameSite"/>: <c>None</c> when it differs from <see cref="ApiDomain"/> in scheme or site.
    /// </summary>
    public string? WebsiteDomain { get; set; }

    /// <summary>Path prefix of the session endpoints. Default <c>/auth</c>.</summary>
    [Required(ErrorMessage = ApiBasePathRule)]
    [RegularExpression("/[\\s\\S]*", ErrorMessage = ApiBasePathRule)]
    public string ApiBasePath { get; set; } = "/auth";

    /// <summary>Status of "session expired, refresh" and "unauthorised" answers. Default 401 (the legacy clients use 440).</summary>
    public int SessionExpiredStatusCode { get; set; } = 401;

    /// <summary>Status of "forbidden / invalid claim" answers. Default 403. Must differ from <see cref="SessionExpiredStatusCode"/>.</summary>
    public int InvalidClaimStatusCode { get; set; } = 403;

    /// <summary>
    /// The anti-CSRF mode for cookie-mode requests. <see langword="null"/> = the protocol default:
    /// <see cref="AntiCsrfMode.ViaCustomHeader"/> when the cookies are <c>SameSite=None</c>, else <see cref="AntiCsrfMode.None"/>.
    /// </summary>
    public AntiCsrfMode? AntiCsrf { get; set; }

    /// <summary>The cookies' <c>Secure</c> flag. <see langword="null"/> = <see cref="ApiDomain"/> starts with <c>https</c> (or the request is HTTPS).</summary>
    public bool? CookieSecure { get; set; }

    /// <summary>The cookies' <c>SameSite</c> attribute. <see langword="null"/> = chosen from <see cref="ApiDomain"/> and <see cref="WebsiteDomain"/>.</summary>
    public SameSiteMode? CookieSameSite { get; set; }

    /// <summary>The cookies' <c>Domain</c> attribute; omitted when <see langword="null"/> (and always for localhost and IP addresses).</summary>
    public string? CookieDomain { get; set; }

    /// <summary>
    /// The <see cref="CookieDomain"/> the app used before changing it. Browsers then keep the old domain's session cookies beside the new
    /// ones and send both, and a refresh request carrying <c>sAccessToken</c> or <c>sRefreshToken</c> twice cannot tell them apart: with this
    /// set, the refresh clears the older domain's cookies and answers 200 <c>{"message":…}</c> without new tokens, so the client's next
    /// request carries only the current cookies. <see langword="null"/> (default): such a refresh is answered 500 "The request contains
    /// multiple session cookies." and nothing changes, as the reference backend does. An empty string: the older cookies had no
    /// <c>Domain</c> attribute (host-only).
    /// </summary>
    public string? OlderCookieDomain { get; set; }

    /// <summary>Path of the SQLite database file used when no other store is registered. Default <c>sesame.db</c>.</summary>
    [Required(ErrorMessage = "Session:DatabasePath must not be empty.")]
    public string DatabasePath { get; set; } = "sesame.db";

    /// <summary>How often a new access-token signing key is made. Older keys keep verifying while tokens they signed can live.</summary>
    public TimeSpan SigningKeyRotationInterval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often a new refresh-token MAC key is made. Default 30 days. A retired key keeps verifying the refresh tokens it signed
    /// (twice <see cref="RefreshTokenLifetime"/> after its retirement, the longest such a token can stay usable), then it is deleted.
    /// </summary>
    public TimeSpan RefreshTokenKeyRotationInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often every instance reloads the keys from the store. Default 1 minute. This bounds how long a key revoked on one
    /// instance (<see cref="ISigningKeyManager.RevokeKeyAsync"/>) is still accepted by the others. Between 1 second and 1 hour.
    /// </summary>
    public TimeSpan KeyReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// What to do at start-up with stored keys this app's ASP.NET Core Data Protection key ring cannot decrypt (they were written
    /// under another key ring, or the key ring was lost). <see langword="false"/> (default): start-up fails with an error naming the
    /// keys, so a misconfigured instance never replaces the keys everyone uses. <see langword="true"/>: the keys are deleted with a
    /// warning and new ones made; every session's tokens become invalid (users sign in again). Turn it on for one start only.
    /// </summary>
    public bool DiscardUnreadableKeys { get; set; }

    /// <summary>
    /// Whether each session records the client's <c>User-Agent</c> (truncated to 256 characters) and IP address when it is created and
    /// at every refresh, for <see cref="ISessionService.ListSessionsAsync"/> ("which devices am I signed in on"). Default
    /// <see langword="false"/>: both are personal data, so the app opts in (and says so in its privacy notice; docs/authorization.md).
    /// The IP address is <c>HttpContext.Connection.RemoteIpAddress</c>: behind a proxy, call <c>UseForwardedHeaders</c> first or it
    /// is the proxy's. Turned off again, refreshes clear what was recorded.
    /// </summary>
    public bool RecordClientInfo { get; set; }

    /// <summary>
    /// The most sessions one user may have at once, or <see langword="null"/> (default) for no limit. Creating a session beyond it
    /// revokes the user's oldest sessions (as <see cref="ISessionService.RevokeSessionAsync"/> does, metric reason
    /// <c>session_cap</c>). At least 1.
    /// </summary>
    public int? MaxSessionsPerUser { get; set; }

    /// <summary>
    /// Paths (with everything below them, e.g. <c>/hubs</c>) where an access token is also accepted from the query string parameter
    /// <c>access_token</c>, for SignalR hubs: browsers cannot send headers with WebSockets or server-sent events, so the SignalR clients
    /// put the token in the URL there (JwtBearer's documented SignalR pattern). Empty (default): never. A token in a header is used first;
    /// paths under <see cref="ApiBasePath"/> (the refresh and sign-out endpoints) are refused at start-up. URLs end up in logs of servers
    /// and proxies, so a token here is as exposed as those logs are: docs/security.md#access-tokens-in-query-strings.
    /// </summary>
    public IList<string> QueryStringTokenPaths { get; } = [];

    /// <summary>Callbacks for notable session events (refreshes, theft detection) and hooks that may change Sesame's error answers.</summary>
    [Required(ErrorMessage = "Session:Events must not be null.")]
    public SesameEvents Events { get; set; } = new();

    /// <summary>How access-token payload properties become claims of <c>HttpContext.User</c> (roles included).</summary>
    [Required(ErrorMessage = "Session:ClaimMapping must not be null.")]
    public SesameClaimMappingOptions ClaimMapping { get; set; } = new();

    /// <summary>
    /// Session claims fetched into the access-token payload when a session is created (the app's payload properties of the same name are
    /// replaced), in this order. Not bound from configuration.
    /// </summary>
    public IList<Claims.SessionClaim> Claims { get; } = [];

    /// <summary>
    /// Claim validators checked on every request that goes through ASP.NET Core authorization with a Sesame session (the reference's global
    /// claim validators); endpoints add their own with <c>RequireSessionClaim</c> or replace these with
    /// <c>OverrideGlobalSessionClaimValidators</c>. A failure answers <see cref="InvalidClaimStatusCode"/> with the failed validators.
    /// Not bound from configuration.
    /// </summary>
    public IList<Claims.SessionClaimValidator> ClaimValidators { get; } = [];
}
