using System.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Sesame.AspNetCore;

namespace Sesame.Conformance;

/// <summary>The settings one backend runs with: the app (validity, key interval, database) and the anti-CSRF mode.</summary>
/// <param name="App">The app of <c>/test/setup/app</c>.</param>
/// <param name="AntiCsrf"><c>enableAntiCsrf</c> of <c>/test/setup/st</c>: VIA_TOKEN when true, NONE when false (or, our extension, <c>antiCsrf</c> by name).</param>
internal sealed record BackendConfig(ConformanceApp App, AntiCsrfMode AntiCsrf);

/// <summary>
/// Our server library configured for one <see cref="BackendConfig"/>: its own service provider (AddSesame on the
/// app's SQLite file) and a small pipeline with <c>MapSesame()</c> for the endpoints the conformance server does not
/// wrap (JWKS, OpenID configuration). The reference re-initialises its SDK on every <c>/test/setup/st</c>; we build a
/// new backend instead, because our options are fixed once the library has started (by design: validated at start-up).
/// </summary>
internal sealed class SessionBackend : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hostedServices;

    private SessionBackend(BackendConfig config, ServiceProvider services, List<IHostedService> hostedServices, RequestDelegate pipeline)
    {
        Config = config;
        _services = services;
        _hostedServices = hostedServices;
        Pipeline = pipeline;
    }

    public BackendConfig Config { get; }

    public IServiceProvider Services => _services;

    /// <summary>Routing + <c>MapSesame()</c>; a request it does not match ends in the reference's catch-all 404 (empty body).</summary>
    public RequestDelegate Pipeline { get; }

    private static readonly Lazy<string> SharedDataProtectionKeys = new(static () =>
    {
        var path = Path.Combine(Path.GetTempPath(), "sesame-conformance", "dp-keys-" + Guid.NewGuid().ToString("N"));
        _ = Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create(new DirectoryInfo(path),
            static builder => builder.SetApplicationName("Sesame.Conformance")).CreateProtector("warm-up").Protect([1]);
        return path;
    });

    public static async Task<SessionBackend> StartAsync(BackendConfig config, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton(new DiagnosticListener("Sesame.Conformance.Backend"));
        // Sesame encrypts its keys with Data Protection: every backend of this process shares one key ring (made before the first
        // backend starts), so backends of one app, or one restarted, read the keys another wrote.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(SharedDataProtectionKeys.Value)).SetApplicationName("Sesame.Conformance");
        services.AddSesame(options =>
        {
            options.AccessTokenLifetime = config.App.AccessTokenValidity;
            options.SigningKeyRotationInterval = config.App.SigningKeyRotationInterval;
            options.AntiCsrf = config.AntiCsrf;
            options.DatabasePath = config.App.DatabasePath;
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var hosted = new List<IHostedService>();
        try
        {
            // What a host does at start: validate options, then run our library's start-up (store + signing key).
            // Other hosted services (data protection's key ring) are not needed by a backend and are left alone.
            foreach (var validator in provider.GetServices<Microsoft.Extensions.Options.IStartupValidator>())
            {
                validator.Validate();
            }

            foreach (var service in provider.GetServices<IHostedService>().Where(static s => s.GetType().Assembly == typeof(ISessionService).Assembly))
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
                hosted.Add(service);
            }

            var app = new ApplicationBuilder(provider);
            app.UseRouting();
            app.UseEndpoints(endpoints => endpoints.MapSesame());
            app.Run(static context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            return new SessionBackend(config, provider, hosted, app.Build());
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hostedServices)
        {
            await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// The one backend both ports share, and the prepared ones. The suite does not await <c>/test/setup/st</c>, so its
/// <c>/login</c> can overtake it: building a backend (RSA key, SQLite file) at that point would lose the race. So
/// <see cref="PrepareAsync"/> builds an app's backends for both <c>enableAntiCsrf</c> values when the app is made
/// (<c>/test/setup/app</c>, which the suite awaits), and <see cref="ApplyAsync"/> then only swaps a reference. All
/// backends of one app share its database, so sessions survive a change of anti-CSRF mode. Backends of older apps
/// keep serving requests already inside them for a grace period, then are disposed and their database deleted.
/// </summary>
internal sealed partial class SessionBackendHost : IAsyncDisposable
{
    private static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILoggerFactory _loggerFactory;
    private readonly AppRegistry _apps;
    private readonly ILogger _logger;
    private readonly Dictionary<BackendConfig, SessionBackend> _live = [];
    private readonly List<ConformanceApp> _order = [];
    private readonly List<Task> _retiring = [];
    private readonly CancellationTokenSource _stopping = new();
    private volatile SessionBackend? _current;
    private int _disposed;

    public SessionBackendHost(ILoggerFactory loggerFactory, AppRegistry apps)
    {
        _loggerFactory = loggerFactory;
        _apps = apps;
        _logger = loggerFactory.CreateLogger<SessionBackendHost>();
    }

    /// <summary>The backend in use. Set by <see cref="StartAsync"/>.</summary>
    public SessionBackend Current => _current ?? throw new InvalidOperationException("The session backend has not started.");

    public BackendConfig CurrentConfig => Current.Config;

    /// <summary>The reference's start-up configuration: the default app (1 h tokens) with anti-CSRF VIA_TOKEN.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => ApplyAsync(new BackendConfig(_apps.Default, AntiCsrfMode.ViaToken), cancellationToken);

    /// <summary>Builds <paramref name="app"/>'s backends for VIA_TOKEN and NONE ahead of <c>/test/setup/st</c>.</summary>
    public async Task PrepareAsync(ConformanceApp app, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One after the other: the first creates the app's signing key and secrets, the second reads them.
            await GetOrStartAsync(new BackendConfig(app, AntiCsrfMode.ViaToken), cancellationToken).ConfigureAwait(false);
            await GetOrStartAsync(new BackendConfig(app, AntiCsrfMode.None), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Switches both ports to <paramref name="config"/>; the same configuration again changes nothing.</summary>
    public async Task ApplyAsync(BackendConfig config, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is not null && _current.Config == config)
            {
                return;
            }

            _current = await GetOrStartAsync(config, cancellationToken).ConfigureAwait(false);
            LogApplied(_logger, config.App.Id, config.App.AccessTokenValidity.TotalSeconds, config.AntiCsrf);

            // Apps made before the current one are done with; one made after it (prepared, not yet applied) stays.
            var position = _order.IndexOf(config.App);
            foreach (var app in _order.Take(position).ToList())
            {
                _order.Remove(app);
                var backends = _live.Where(p => p.Key.App == app).Select(static p => p.Value).ToList();
                foreach (var backend in backends)
                {
                    _live.Remove(backend.Config);
                }

                lock (_retiring)
                {
                    _retiring.RemoveAll(static t => t.IsCompleted);
                    _retiring.Add(RetireAsync(app, backends));
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] retiring;
        lock (_retiring)
        {
            retiring = [.. _retiring];
        }

        await Task.WhenAll(retiring).ConfigureAwait(false);
        foreach (var backend in _live.Values)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _gate.Dispose();
    }

    private async Task<SessionBackend> GetOrStartAsync(BackendConfig config, CancellationToken cancellationToken)
    {
        if (!_live.TryGetValue(config, out var backend))
        {
            backend = await SessionBackend.StartAsync(config, _loggerFactory, cancellationToken).ConfigureAwait(false);
            _live[config] = backend;
            if (!_order.Contains(config.App))
            {
                _order.Add(config.App);
            }
        }

        return backend;
    }

    private async Task RetireAsync(ConformanceApp app, List<SessionBackend> backends)
    {
        try
        {
            await Task.Delay(RetireGrace, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: dispose now.
        }

        foreach (var backend in backends)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }

        _apps.Delete(app);
    }

    [LoggerMessage(1, LogLevel.Information, "Session backend: app {AppId}, access tokens valid {ValiditySeconds} s, anti-CSRF {AntiCsrf}")]
    private static partial void LogApplied(ILogger logger, string appId, double validitySeconds, AntiCsrfMode antiCsrf);
}
