using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sesame.AspNetCore;

namespace Sesame.Testing.Server;

/// <summary>Everything <see cref="SesameTestServer.StartAsync(SesameTestServerSettings, CancellationToken)"/> can vary.</summary>
public sealed class SesameTestServerSettings
{
    /// <summary>Sets server options (token lifetimes, status codes, anti-CSRF...).</summary>
    public Action<SesameServerOptions>? Configure { get; init; }

    /// <summary>The clock of the server (e.g. a <c>FakeTimeProvider</c>). Null = the system clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>The SQLite file. Null = a fresh temporary file, deleted on dispose.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>
    /// The folder of the server's ASP.NET Core Data Protection key ring, which encrypts Sesame's keys in the store. Null = one
    /// folder shared by every server of the test process (so servers on one database, or restarted on it, read each other's keys);
    /// another folder is another key ring.
    /// </summary>
    public string? DataProtectionKeysPath { get; init; }

    /// <summary>Extra service registrations, run after <c>AddSesame</c> (e.g. another <c>ISessionStore</c>).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Extra endpoints or middleware, run before the built-in endpoints are mapped.</summary>
    public Action<WebApplication>? ConfigureApp { get; init; }

    /// <summary>Origins allowed by CORS (with credentials and the Sesame headers). Empty = no CORS.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>The host to listen on. Default 127.0.0.1 (the port is always chosen by the OS).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>A fixed port; 0 (default) lets the OS choose.</summary>
    public int Port { get; init; }

    /// <summary>The host environment. Default <c>Development</c> (in <c>Production</c> Sesame requires <c>ApiDomain</c>).</summary>
    public string EnvironmentName { get; init; } = "Development";
}
