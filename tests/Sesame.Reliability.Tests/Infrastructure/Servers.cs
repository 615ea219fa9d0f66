using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>Starts the shared test server (real Kestrel on 127.0.0.1) with every log line captured at Trace and the wire tapped.</summary>
internal static class Servers
{
    public static Task<SesameTestServer> StartAsync(Action<SesameServerOptions>? configure = null, TimeProvider? time = null,
        string? databasePath = null, int port = 0, Action<IServiceCollection>? services = null) =>
        SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Configure = configure,
            Time = time,
            DatabasePath = databasePath,
            Port = port,
            ConfigureServices = s =>
            {
                Capture(s);
                services?.Invoke(s);
            },
        });

    /// <summary>Replaces the test server's console logging with the capture (every category, Trace) and adds the wire tap.</summary>
    public static void Capture(IServiceCollection services)
    {
        services.RemoveAll<ILoggerProvider>();
        services.AddLogging(b => b.AddCapture());
        services.AddTransient<IStartupFilter, WireTapStartupFilter>();
    }
}
