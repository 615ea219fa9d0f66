using System.Reflection;
using System.Text;

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>
/// A seed-era peer shared by the tests of one class (class fixture); started once, killed at the end. Its access tokens live an
/// hour: a test that needs an expiry makes one with <see cref="LegacyPeer.ExpireAccessTokensAsync"/> (the peer's clock moves),
/// so no test waits, and none can see an expiry it did not ask for.
/// </summary>
public sealed class LegacyPeerFixture(LegacyEnvironment environment) : IAsyncLifetime
{
    private static readonly string s_runName = TableNamePart(Assembly.GetEntryAssembly()?.GetName().Name ?? "tests");
    private static int s_instances;
    private LegacyPeer? _peer;

    /// <summary>The running peer.</summary>
    public LegacyPeer Peer => _peer ?? throw new InvalidOperationException("the peer has not started");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        // Peers run concurrently (one per test class, and other test projects that link this fixture run at the same time): each
        // gets its own pair of tables (the package's signing-key creation is not safe for two processes starting on empty tables),
        // named by test assembly and start order so that later runs reuse the same few tables instead of piling up new ones.
        var suffix = s_runName + "_" + Interlocked.Increment(ref s_instances);
        _peer = await LegacyPeer.StartAsync(environment, TimeSpan.FromHours(1), suffix);
    }

    /// <summary>A MySQL table-name fragment: lower-case letters, digits and underscores, at most 40 characters.</summary>
    private static string TableNamePart(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return builder.Length > 40 ? builder.ToString(0, 40) : builder.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
