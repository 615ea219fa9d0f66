using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace Sesame.Client.Blazor;

/// <summary>
/// The authentication state of a Blazor WebAssembly app, following the Sesame session: signed in while a session exists (its user id is the
/// <c>sub</c> claim, the access-token payload's top-level values are claims too, <c>role</c>/<c>roles</c>/<c>st-role</c> as roles so
/// <c>&lt;AuthorizeView Roles="…"&gt;</c> works, a session claim <c>{"v":…,"t":…}</c> by its value), anonymous otherwise. It changes on every session event
/// (created, refreshed, payload updated, unauthorised, signed out) and when the session cookies change outside this client (another tab, the
/// official JavaScript client), so <c>&lt;AuthorizeView&gt;</c> and <c>[Authorize]</c> pages follow the session without a reload.
/// </summary>
public sealed class SesameAuthenticationStateProvider : AuthenticationStateProvider, IDisposable
{
    /// <summary>The authentication type of signed-in principals.</summary>
    public const string AuthenticationType = "Sesame";

    // Protocol bookkeeping inside the payload, not facts about the user.
    private static readonly HashSet<string> s_internalClaims = new(StringComparer.Ordinal) { "antiCsrfToken", "refreshTokenHash1", "parentRefreshTokenHash1" };
    private static readonly HashSet<string> s_roleProperties = new(StringComparer.Ordinal) { "role", "roles", "st-role" };
    private static readonly AuthenticationState s_anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly RefreshCoordinator _coordinator;
    private readonly SesameBrowserInterop _browser;
    private readonly SesameBlazorOptions _options;
    private readonly Lock _gate = new();
    private DotNetObjectReference<SesameAuthenticationStateProvider>? _selfReference;
    private int _watchId;
    private string? _publishedFrontToken;
    private AuthenticationState? _publishedState;
    private bool _disposed;

    /// <summary>Creates the provider.</summary>
    /// <param name="coordinator">The client's refresh algorithm (its store and events).</param>
    /// <param name="browser">The package's JavaScript module (to watch cookie changes).</param>
    /// <param name="options">Role claim type and poll interval.</param>
    public SesameAuthenticationStateProvider(RefreshCoordinator coordinator, SesameBrowserInterop browser, IOptions<SesameBlazorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));
        _browser = browser ?? throw new ArgumentNullException(nameof(browser));
        _options = options.Value;
        _coordinator.Events.EventRaised += OnSessionEvent;
    }

    /// <summary>The session as the front token describes it (user id, access-token expiry, payload), or null when signed out.
    /// Synchronous and cheap: what a live view of the session reads.</summary>
    public FrontToken? CurrentSession
    {
        get
        {
            var tokens = _coordinator.TokenStore.Current;
            return tokens.LastAccessTokenUpdate is null ? null : tokens.DecodedFrontToken;
        }
    }

    /// <inheritdoc />
    public override async Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        await StartWatchingAsync().ConfigureAwait(false);

        // Probes the server once when nothing is known yet (a first visit, or storage cleared), exactly like the first call would.
        var tokens = await _coordinator.GetTokensForRequestAsync(CancellationToken.None).ConfigureAwait(false);
        return StateFor(tokens.LastAccessTokenUpdate is null ? null : tokens.FrontToken);
    }

    /// <summary>Called by the JavaScript module when the session cookies changed outside this client.</summary>
    [JSInvokable]
    public void OnSessionCookiesChanged() => PublishIfChanged();

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _coordinator.Events.EventRaised -= OnSessionEvent;
        if (_watchId != 0 && _browser.LoadedModule is { } module)
        {
            try
            {
                module.InvokeVoid("stopWatching", _watchId);
            }
            catch (JSDisconnectedException)
            {
                // The page is going away.
            }
        }

        _selfReference?.Dispose();
    }

    private void OnSessionEvent(object? sender, SessionEvent sessionEvent) => PublishIfChanged();

    private void PublishIfChanged()
    {
        if (_disposed)
        {
            return;
        }

        var tokens = _coordinator.TokenStore.Current;
        var frontToken = tokens.LastAccessTokenUpdate is null ? null : tokens.FrontToken;
        lock (_gate)
        {
            if (_publishedState is not null && string.Equals(frontToken, _publishedFrontToken, StringComparison.Ordinal))
            {
                return;
            }
        }

        NotifyAuthenticationStateChanged(Task.FromResult(StateFor(frontToken)));
    }

    private AuthenticationState StateFor(string? frontToken)
    {
        lock (_gate)
        {
            if (_publishedState is not null && string.Equals(frontToken, _publishedFrontToken, StringComparison.Ordinal))
            {
                return _publishedState;
            }

            var state = FrontToken.TryParse(frontToken) is { } session ? new AuthenticationState(PrincipalFor(session)) : s_anonymous;
            _publishedFrontToken = frontToken;
            _publishedState = state;
            return state;
        }
    }

    private ClaimsPrincipal PrincipalFor(FrontToken session)
    {
        var identity = new ClaimsIdentity(AuthenticationType, "sub", _options.RoleClaimType);
        identity.AddClaim(new Claim("sub", session.UserId));
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, session.UserId));
        foreach (var property in session.Payload.EnumerateObject())
        {
            if (property.Name == "sub" || s_internalClaims.Contains(property.Name))
            {
                continue;
            }

            // As the server maps them: role/roles/st-role are roles, a session claim {"v":…,"t":…} counts by its value.
            var type = s_roleProperties.Contains(property.Name) ? _options.RoleClaimType : property.Name;
            var value = SessionClaimValue(property.Value);
            if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    AddClaim(identity, type, item);
                }
            }
            else
            {
                AddClaim(identity, type, value);
            }
        }

        return new ClaimsPrincipal(identity);
    }

    private static JsonElement SessionClaimValue(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("v", out var v) && value.TryGetProperty("t", out var t)
            && t.ValueKind == JsonValueKind.Number && value.EnumerateObject().Count() == 2)
        {
            return v;
        }

        return value;
    }

    private static void AddClaim(ClaimsIdentity identity, string type, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                identity.AddClaim(new Claim(type, value.GetString()!));
                break;
            case JsonValueKind.Number:
                identity.AddClaim(new Claim(type, value.GetRawText(), ClaimValueTypes.Double));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                identity.AddClaim(new Claim(type, value.GetRawText(), ClaimValueTypes.Boolean));
                break;
            case JsonValueKind.Object or JsonValueKind.Array:
                identity.AddClaim(new Claim(type, value.GetRawText(), "JSON"));
                break;
        }
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only strings, numbers, booleans and string arrays cross into JavaScript and back; System.Text.Json handles them without reflection over app types.")]
    private async Task StartWatchingAsync()
    {
        if (_watchId != 0 || _disposed)
        {
            return;
        }

        var module = await _browser.GetModuleAsync(CancellationToken.None).ConfigureAwait(false);
        if (_watchId != 0 || _disposed)
        {
            return;
        }

        _selfReference ??= DotNetObjectReference.Create(this);
        var pollMs = (int)Math.Clamp(_options.SessionChangePollInterval.TotalMilliseconds, 50, int.MaxValue);
        _watchId = module.Invoke<int>("watchSession", _selfReference, nameof(OnSessionCookiesChanged), pollMs);
    }
}
