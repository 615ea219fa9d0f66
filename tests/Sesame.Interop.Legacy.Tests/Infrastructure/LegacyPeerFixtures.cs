using System.Reflection;
using System.Text;

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>A seed-era peer shared by the tests of one class (class fixture); started once, killed at the end.</summary>
public abstract class LegacyPeerFixture(LegacyEnvironment environment, TimeSpan accessTokenLifetime) : IAsyncLifetime
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
        _peer = await LegacyPeer.StartAsync(environment, accessTokenLifetime, suffix);
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

/// <summary>A peer whose access tokens live 3 s: tests wait for real expiry (a Node server has no fake clock). Short enough to keep the
/// waits small, long enough that a busy 2-core CI machine finishes a refresh and its retried calls before the new token expires too.</summary>
public sealed class ShortLivedLegacyPeerFixture(LegacyEnvironment environment)
    : LegacyPeerFixture(environment, TimeSpan.FromSeconds(3));

/// <summary>A peer whose access tokens live an hour: for tests that must never see an expiry.</summary>
public sealed class LongLivedLegacyPeerFixture(LegacyEnvironment environment)
    : LegacyPeerFixture(environment, TimeSpan.FromHours(1));
