using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore;

namespace Sesame.Benchmarks;

/// <summary>
/// The server's per-request token check without the network: Sesame's <c>VerifySessionAsync</c> on a request carrying a Sesame
/// access token vs <c>JsonWebTokenHandler.ValidateTokenAsync</c> (JwtBearer's core) on the same RS256 token and public key.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new();
    private WebApplication _app = null!;
    private ISessionService _sessions = null!;
    private string _token = null!;
    private string _authorization = null!;
    private TokenValidationParameters _parameters = null!;
    private string _databasePath = null!;

    /// <summary>Sessions ended on this instance before the revoked-sessions row runs (each one is refused on every instance's verification path).</summary>
    internal const int RevokedSessions = 1_000;

    [GlobalSetup(Targets = [nameof(JsonWebTokenHandlerValidate), nameof(SesameVerify)])]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(SesameVerifyWithRevokedSessions))]
    public void SetupWithRevokedSessions() => SetupAsync(RevokedSessions).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>JwtBearer's core: full RS256 validation of the token.</summary>
    [Benchmark(Baseline = true, Description = "JsonWebTokenHandler.ValidateTokenAsync (RS256)")]
    public async Task<bool> JsonWebTokenHandlerValidate()
    {
        var result = await _handler.ValidateTokenAsync(_token, _parameters).ConfigureAwait(false);
        return result.IsValid ? true : throw new InvalidOperationException("token did not validate", result.Exception);
    }

    /// <summary>Sesame's verification of one request (a token already seen, as on every request after a session's first).</summary>
    [Benchmark(Description = "Sesame VerifySessionAsync (token seen before)")]
    public async Task<bool> SesameVerify()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = _authorization;
        var result = await _sessions.VerifySessionAsync(context).ConfigureAwait(false);
        return result.Status == SessionVerificationStatus.Valid ? true : throw new InvalidOperationException($"verification said {result.Status}");
    }

    /// <summary>
    /// <see cref="SesameVerify"/> on an instance that ended <see cref="RevokedSessions"/> other sessions within the last access-token
    /// lifetime: every verification then also looks the token's session up among them (docs/security.md).
    /// </summary>
    [Benchmark(Description = "Sesame VerifySessionAsync (token seen before, 1,000 sessions revoked here)")]
    public Task<bool> SesameVerifyWithRevokedSessions() => SesameVerify();

    internal async Task SetupAsync(int revokedSessions = 0)
    {
        _databasePath = Path.Combine(Path.GetTempPath(), "sesame-bench", Guid.NewGuid().ToString("N") + ".db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSesame(options =>
        {
            options.DatabasePath = _databasePath;
            // The host's environment is Production unless the runner says otherwise, and there Sesame requires the API's origin.
            options.ApiDomain = "http://127.0.0.1";
        });
        _app = builder.Build();
        _app.MapSesame();
        await _app.StartAsync().ConfigureAwait(false);
        _sessions = _app.Services.GetRequiredService<ISessionService>();

        var login = new DefaultHttpContext { RequestServices = _app.Services };
        await _sessions.CreateSessionAsync(login, "bench-user-0001").ConfigureAwait(false);
        _token = login.Response.Headers["st-access-token"].ToString();
        _authorization = "Bearer " + _token;

        using var http = new HttpClient();
        var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(_app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/auth/jwt/jwks.json")).ConfigureAwait(false));
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        for (var i = 0; i < revokedSessions; i++)
        {
            await _sessions.RevokeSessionAsync(Guid.NewGuid().ToString()).ConfigureAwait(false);
        }

        if (!await JsonWebTokenHandlerValidate().ConfigureAwait(false) || !await SesameVerify().ConfigureAwait(false))
        {
            throw new InvalidOperationException("setup failed");
        }
    }

    internal async Task CleanupAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databasePath + suffix);
        }
    }
}
