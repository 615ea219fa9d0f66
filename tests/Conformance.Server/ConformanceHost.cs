using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Sesame.AspNetCore;

namespace Sesame.Conformance;

/// <summary>
/// The conformance server: one process, two ports (the reference suite's <c>:8080</c> and <c>:8082</c>), one session
/// backend shared by both, counters per port. <c>dotnet run</c> uses it through <see cref="RunAsync"/>; tests start it
/// in-process with <see cref="StartAsync"/> on free ports.
/// </summary>
public sealed class ConformanceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConformanceState _state;
    private readonly string? _ownedDataDirectory;

    private ConformanceHost(WebApplication app, ConformanceState state, Uri first, Uri second, string? ownedDataDirectory)
    {
        _app = app;
        _state = state;
        FirstBaseAddress = first;
        SecondBaseAddress = second;
        _ownedDataDirectory = ownedDataDirectory;
    }

    /// <summary>The first server, e.g. <c>http://localhost:8080</c> (the page origin). Always named <c>localhost</c>.</summary>
    public Uri FirstBaseAddress { get; }

    /// <summary>The second server, e.g. <c>http://localhost:8082</c> (the cross-origin API).</summary>
    public Uri SecondBaseAddress { get; }

    /// <summary>The services of the session backend in use (e.g. <c>ISessionService</c> to revoke sessions from a test).</summary>
    public IServiceProvider SessionServices => _state.Backend.Current.Services;

    /// <summary>The counters of the port of <paramref name="baseAddress"/>.</summary>
    public PortCounters CountersFor(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        return _state.CountersFor(baseAddress.Port);
    }

    /// <summary>Starts both servers and returns once they listen.</summary>
    public static async Task<ConformanceHost> StartAsync(ConformanceServerOptions options, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ownedData = options.DataDirectory is null
            ? Path.Combine(Path.GetTempPath(), "sesame-conformance-" + Guid.NewGuid().ToString("N"))
            : null;
        var dataDirectory = options.DataDirectory ?? ownedData!;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        if (logging is not null)
        {
            builder.Logging.ClearProviders();
            logging(builder.Logging);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Listen(kestrel, options.FirstUrl);
            Listen(kestrel, options.SecondUrl);
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new AppRegistry(dataDirectory));
        builder.Services.AddSingleton<SessionBackendHost>();
        builder.Services.AddSingleton<ConformanceState>();
        builder.Services.AddSingleton<StaticAssets>();
        builder.Services.AddCors();

        var app = builder.Build();
        var state = app.Services.GetRequiredService<ConformanceState>();
        await state.Backend.StartAsync(cancellationToken).ConfigureAwait(false);

        // The allowed origin is known only once the first port is bound (tests use free ports), hence the holder.
        var corsOrigin = new CorsOriginHolder(options.CorsOrigin);
        var plumbing = new PlumbingEndpoints(state, ClientPackageVersion(app.Services.GetRequiredService<StaticAssets>()));
        var sessionEndpoints = new SessionEndpoints(state);
        var assets = app.Services.GetRequiredService<StaticAssets>();

        // CORS as the reference's `cors({origin, allowedHeaders: content-type + SDK headers, methods, credentials})`;
        // the exposed headers are added per response by the session library when it sets them.
        app.UseCors(policy => policy
            .SetIsOriginAllowed(corsOrigin.IsAllowed)
            .WithHeaders([.. SesameDefaults.CorsAllowedHeaders])
            .WithMethods("GET", "PUT", "POST", "DELETE")
            .AllowCredentials());
        StaticAssets.UseStaticRoot(app, options.StaticRoot);
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            if (await assets.TryServeAsync(context).ConfigureAwait(false) || await plumbing.TryHandleAsync(context).ConfigureAwait(false))
            {
                return;
            }

            // Session endpoints run inside the current backend's services, so both ports share its sessions.
            var backend = state.Backend.Current;
            await using var scope = backend.Services.CreateAsyncScope();
            var outerServices = context.RequestServices;
            context.RequestServices = scope.ServiceProvider;
            try
            {
                var sessions = scope.ServiceProvider.GetRequiredService<ISessionService>();
                if (!await sessionEndpoints.TryHandleAsync(context, sessions).ConfigureAwait(false))
                {
                    await backend.Pipeline(context).ConfigureAwait(false);
                }
            }
            finally
            {
                context.RequestServices = outerServices;
            }
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var first = Resolve(options.FirstUrl, addresses, index: 0);
        var second = Resolve(options.SecondUrl, addresses, index: 1);
        corsOrigin.Resolve(Origin(first));
        return new ConformanceHost(app, state, first, second, ownedData);
    }

    /// <summary>Runs until Ctrl+C (the <c>dotnet run</c> entry point).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ConformanceServerOptions options;
        try
        {
            options = ConformanceServerOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }

        await using var host = await StartAsync(options).ConfigureAwait(false);
        Console.WriteLine($"Conformance server listening on {host.FirstBaseAddress} and {host.SecondBaseAddress} (page: {host.FirstBaseAddress}index.html). Ctrl+C stops it.");
        await host._app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false); // also disposes the session backends (a singleton of the app)
        if (_ownedDataDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_ownedDataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by the OS; the temp folder is cleaned by the system.
            }
        }
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, Uri url)
    {
        // Kestrel cannot bind "localhost" to a free port (0); the loopback address gives the same reachability.
        if (url.IsLoopback && url.Port == 0)
        {
            kestrel.Listen(IPAddress.Loopback, 0);
        }
        else if (url.Host == "localhost")
        {
            kestrel.ListenLocalhost(url.Port);
        }
        else if (IPAddress.TryParse(url.Host, out var ip))
        {
            kestrel.Listen(ip, url.Port);
        }
        else
        {
            kestrel.ListenAnyIP(url.Port);
        }
    }

    /// <summary>The address a browser should use: the configured host (localhost) with the port actually bound.</summary>
    private static Uri Resolve(Uri configured, ICollection<string> bound, int index)
    {
        if (configured.Port != 0)
        {
            return new Uri(Origin(configured) + "/");
        }

        var actual = new Uri(bound.ElementAt(index));
        return new UriBuilder(configured) { Port = actual.Port, Path = "/" }.Uri;
    }

    private static string Origin(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static string ClientPackageVersion(StaticAssets assets)
    {
        var packageJson = assets.ClientPackageJsonPath;
        if (packageJson is not null && File.Exists(packageJson))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
            if (document.RootElement.TryGetProperty("version", out var version) && version.GetString() is { } text)
            {
                return text;
            }
        }

        return "unknown";
    }
}

/// <summary>The one origin CORS allows: the configured one, else the first server's origin once it is bound.</summary>
internal sealed class CorsOriginHolder(string? configured)
{
    private volatile string? _origin = configured;

    public void Resolve(string firstOrigin) => _origin ??= firstOrigin;

    public bool IsAllowed(string origin) => string.Equals(origin, _origin, StringComparison.OrdinalIgnoreCase);
}
