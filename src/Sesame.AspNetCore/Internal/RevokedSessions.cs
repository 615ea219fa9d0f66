using System.Collections.Concurrent;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Sessions ended on this instance (sign-out, revocation, revoke-all, theft detection), so that none of their access tokens is accepted
/// here any more although verifying one needs no store read: without this, a token verified before (or a refreshed token whose promotion
/// this instance remembers) kept working until it expired. An entry is kept for one access-token lifetime after the session ended (plus
/// a margin for a refresh or promotion that was already running then): by that time every token of the session has expired anyway.
/// Other instances do not see this set; docs/security.md says what they accept meanwhile.
/// </summary>
/// <remarks>
/// Read on every verification: with nothing revoked a read is one volatile field read; otherwise one lock-free dictionary lookup by
/// session handle. Session handles are made by the server (random), and only handles of ended sessions are added.
/// </remarks>
internal sealed class RevokedSessions
{
    /// <summary>How much longer than one access-token lifetime an entry is kept: tokens signed by requests in flight when the session ended.</summary>
    internal static readonly TimeSpan InFlightMargin = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, long> _forgetAt = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _retentionMilliseconds;
    private int _count;
    private long _nextSweep;

    public RevokedSessions(SesameSettings settings, TimeProvider time)
    {
        _time = time;
        _retentionMilliseconds = (long)(settings.Options.AccessTokenLifetime + InFlightMargin).TotalMilliseconds;
    }

    /// <summary>Sessions remembered now (expired entries included until the next sweep).</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>Whether <paramref name="sessionHandle"/> was ended on this instance within the last access-token lifetime.</summary>
    public bool Contains(string sessionHandle) => Volatile.Read(ref _count) != 0 && _forgetAt.ContainsKey(sessionHandle);

    /// <summary>Remembers that <paramref name="sessionHandle"/> ended now.</summary>
    public void Add(string sessionHandle)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var forgetAt = now + _retentionMilliseconds;
        if (_forgetAt.TryAdd(sessionHandle, forgetAt))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _forgetAt[sessionHandle] = forgetAt;
        }

        SweepIfDue(now);
    }

    /// <summary>Remembers that every session of <paramref name="sessionHandles"/> ended now.</summary>
    public void AddRange(IEnumerable<string> sessionHandles)
    {
        foreach (var handle in sessionHandles)
        {
            Add(handle);
        }
    }

    // Entries past their time are dropped at most once per margin, by whoever adds one: the set only ever holds the sessions ended
    // within about one access-token lifetime. A stale entry left until then is harmless (its session did end).
    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)InFlightMargin.TotalMilliseconds, due) != due)
        {
            return;
        }

        foreach (var (handle, forgetAt) in _forgetAt)
        {
            if (forgetAt <= now && _forgetAt.TryRemove(new KeyValuePair<string, long>(handle, forgetAt)))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
