using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Sesame.Conformance;

/// <summary>
/// What <c>/test/setup/app</c> creates: an "app" of the reference core (its own sessions and signing keys, its
/// access-token validity and key-rotation interval). Here an app is a SQLite file plus those two settings.
/// </summary>
/// <param name="Id">The app id the suite gave (or a new one).</param>
/// <param name="Handle">The opaque string returned to the suite, which it passes back to <c>/test/setup/st</c> as <c>coreUrl</c>.</param>
/// <param name="AccessTokenValidity">The core's <c>access_token_validity</c>.</param>
/// <param name="SigningKeyRotationInterval">The core's <c>access_token_signing_key_update_interval</c> (hours in the core config).</param>
/// <param name="DatabasePath">The app's SQLite file.</param>
internal sealed record ConformanceApp(string Id, string Handle, TimeSpan AccessTokenValidity, TimeSpan SigningKeyRotationInterval, string DatabasePath);

/// <summary>The apps made so far, by handle; the first one exists before any setup call (the reference's start-up config).</summary>
internal sealed class AppRegistry
{
    /// <summary>The core's default <c>access_token_validity</c> (3600 s).</summary>
    public static readonly TimeSpan DefaultAccessTokenValidity = TimeSpan.FromHours(1);

    /// <summary>The core's default key interval (168 h).</summary>
    public static readonly TimeSpan DefaultSigningKeyInterval = TimeSpan.FromHours(168);

    private readonly ConcurrentDictionary<string, ConformanceApp> _apps = new(StringComparer.Ordinal);
    private readonly string _dataDirectory;

    public AppRegistry(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        Directory.CreateDirectory(dataDirectory);
        Default = Create("default", DefaultAccessTokenValidity, DefaultSigningKeyInterval);
    }

    public ConformanceApp Default { get; }

    public ConformanceApp? Find(string handle) => _apps.GetValueOrDefault(handle);

    /// <summary>Makes an app from the body of <c>/test/setup/app</c>: <c>{appId?, coreConfig?: {access_token_validity, access_token_signing_key_update_interval}}</c>.</summary>
    /// <exception cref="FormatException">A setting has the wrong shape.</exception>
    public ConformanceApp Create(JsonElement body)
    {
        var appId = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("appId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()!
            : Guid.NewGuid().ToString("N");
        var validity = DefaultAccessTokenValidity;
        var keyInterval = DefaultSigningKeyInterval;
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("coreConfig", out var config) && config.ValueKind == JsonValueKind.Object)
        {
            if (config.TryGetProperty("access_token_validity", out var v))
            {
                validity = TimeSpan.FromSeconds(ReadPositiveNumber(v, "access_token_validity"));
            }

            if (config.TryGetProperty("access_token_signing_key_update_interval", out var k))
            {
                keyInterval = TimeSpan.FromHours(ReadPositiveNumber(k, "access_token_signing_key_update_interval"));
            }

            if (config.TryGetProperty("access_token_dynamic_signing_key_update_interval", out var dk))
            {
                keyInterval = TimeSpan.FromHours(ReadPositiveNumber(dk, "access_token_dynamic_signing_key_update_interval"));
            }
        }

        return Create(appId, validity, keyInterval);
    }

    /// <summary>Deletes an app's database files (after its backend was retired).</summary>
    public void Delete(ConformanceApp app)
    {
        if (ReferenceEquals(app, Default))
        {
            return;
        }

        _apps.TryRemove(app.Handle, out _);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                File.Delete(app.DatabasePath + suffix);
            }
            catch (IOException)
            {
                // Still open by a request that outlived the grace period: the temp folder goes at shutdown.
            }
        }
    }

    private ConformanceApp Create(string appId, TimeSpan validity, TimeSpan keyInterval)
    {
        var unique = Guid.NewGuid().ToString("N");
        var app = new ConformanceApp(appId, $"sesame-app:{appId}:{unique[..8]}", validity, keyInterval,
            Path.Combine(_dataDirectory, $"app-{unique}.db"));
        _apps[app.Handle] = app;
        return app;
    }

    private static double ReadPositiveNumber(JsonElement value, string name)
    {
        var number = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => double.NaN,
        };
        return number > 0 && double.IsFinite(number)
            ? number
            : throw new FormatException($"coreConfig.{name} must be a positive number (got {value.GetRawText()}).");
    }
}
