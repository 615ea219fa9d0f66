using System.ComponentModel.DataAnnotations;

namespace Sesame.Client.Blazor;

/// <summary>Browser-specific options of the Blazor WebAssembly client (the protocol options stay in <see cref="SesameClientOptions"/>).</summary>
public sealed class SesameBlazorOptions
{
    /// <summary>The domain of the frontend cookies (<c>sFrontToken</c>, <c>st-last-access-token-update</c>, <c>sAntiCsrf</c>), e.g.
    /// <c>.example.com</c> to share them with sibling sub-domains. Default null: the page's host only (the official client's
    /// <c>sessionTokenFrontendDomain</c>; <c>localhost</c> and the page's own host are written without a Domain attribute).</summary>
    public string? SessionTokenFrontendDomain { get; set; }

    /// <summary>True when the app runs inside an iframe: the frontend cookies are written <c>SameSite=None; Secure</c> instead of <c>SameSite=Lax</c>.</summary>
    public bool IsInIframe { get; set; }

    /// <summary>The Web Locks name every tab of the origin takes while refreshing, and the key of the official client's lock
    /// (<see cref="ShareRefreshLockWithOfficialClient"/>). Default <c>REFRESH_TOKEN_USE</c>, the official client's key.</summary>
    [Required(ErrorMessage = "SesameBlazorOptions.RefreshLockName must not be empty.")]
    public string RefreshLockName { get; set; } = "REFRESH_TOKEN_USE";

    /// <summary>Also take the official JavaScript client's refresh lock (its <c>browser-tabs-lock</c> item in <c>localStorage</c>) while
    /// refreshing, so a Blazor tab and an official-client tab of the same origin never refresh at the same time. Costs about 60 ms per
    /// refresh (that lock's protocol writes, waits and reads back). Default true.</summary>
    public bool ShareRefreshLockWithOfficialClient { get; set; } = true;

    /// <summary>How often the authentication state provider checks the session cookies for changes made outside this client (another tab,
    /// the official JavaScript client). Chromium also reports changes at once through <c>cookieStore</c>. Default 1 s.</summary>
    public TimeSpan SessionChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The claim type <c>IsInRole</c>, <c>[Authorize(Roles = …)]</c> and <c>&lt;AuthorizeView Roles="…"&gt;</c> read; the payload properties
    /// <c>role</c>, <c>roles</c> and <c>st-role</c> become claims of this type. Default <c>role</c>.</summary>
    [Required(ErrorMessage = "SesameBlazorOptions.RoleClaimType must not be empty.")]
    public string RoleClaimType { get; set; } = "role";
}
