using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// A bounded map from token text to <typeparamref name="TValue"/> for the verification caches, read without locks. When it grows past
/// its capacity, one sweep brings it down to three quarters: first the entries that are no use any more (an expired token, a promotion
/// past its reuse window), then, if that is not enough, a second-chance (CLOCK) pass: an entry read since the previous sweep loses its
/// mark and stays, one not read goes. A client that keeps flooding the cache with tokens it uses once therefore evicts mostly its own
/// entries, and a token in use stays cached. It never empties at once, which an attacker holding many valid tokens could otherwise
/// repeat to make every request pay for an RSA check again (docs/security.md).
/// </summary>
/// <typeparam name="TValue">What is kept per token.</typeparam>
internal sealed class BoundedTokenCache<TValue>
    where TValue : class
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(TokenTextComparer.Instance);
#if NET9_0_OR_GREATER
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
#endif
    private readonly Func<TValue, long, bool> _isStale;
    private readonly int _capacity;
    private int _count;
    private int _sweeping;

    /// <param name="capacity">Entries kept at most (exceeded only by additions made while a sweep runs).</param>
    /// <param name="isStale">Whether an entry is of no use at the given Unix time in milliseconds; such entries are evicted first.</param>
    public BoundedTokenCache(int capacity, Func<TValue, long, bool> isStale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 4);
        _capacity = capacity;
        _isStale = isStale;
#if NET9_0_OR_GREATER
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
#endif
    }

    /// <summary>Entries held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The value cached for <paramref name="token"/>, if any; marks the entry as in use.</summary>
    public bool TryGet(ReadOnlySpan<char> token, [NotNullWhen(true)] out TValue? value)
    {
#if NET9_0_OR_GREATER
        if (_bySpan.TryGetValue(token, out var entry))
#else
        // .NET 8 has no span lookup in ConcurrentDictionary: the token text is copied once per lookup.
        if (_entries.TryGetValue(token.ToString(), out var entry))
#endif
        {
            // Written once per sweep period rather than on every hit, so readers on other cores keep their copy of the line.
            if (!entry.Used)
            {
                entry.Used = true;
            }

            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Caches <paramref name="value"/> for <paramref name="token"/> (replacing an earlier one); sweeps if that exceeds the capacity.</summary>
    public void Set(string token, TValue value, long nowMilliseconds)
    {
        var entry = new Entry(value);
        while (true)
        {
            if (_entries.TryGetValue(token, out var existing))
            {
                if (_entries.TryUpdate(token, entry, existing))
                {
                    return;
                }
            }
            else if (_entries.TryAdd(token, entry))
            {
                if (Interlocked.Increment(ref _count) > _capacity)
                {
                    Sweep(nowMilliseconds);
                }

                return;
            }
        }
    }

    /// <summary>Removes the entry of <paramref name="token"/> if it still holds <paramref name="value"/>.</summary>
    public void Remove(string token, TValue value)
    {
        if (_entries.TryGetValue(token, out var entry) && ReferenceEquals(entry.Value, value))
        {
            TryRemove(token, entry);
        }
    }

    /// <summary>Removes every entry whose value matches (a scan: for rare events only).</summary>
    public void RemoveWhere<TState>(TState state, Func<TValue, TState, bool> match)
    {
        foreach (var (token, entry) in _entries)
        {
            if (match(entry.Value, state))
            {
                TryRemove(token, entry);
            }
        }
    }

    private void Sweep(long nowMilliseconds)
    {
        // One sweep at a time; requests adding meanwhile carry on (the capacity is exceeded by at most what they add).
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var target = _capacity - (_capacity / 4);
            foreach (var (token, entry) in _entries)
            {
                if (_isStale(entry.Value, nowMilliseconds))
                {
                    TryRemove(token, entry);
                }
            }

            // Second chance: the enumeration order follows the hash of the token's random signature, so whom a pass reaches first is
            // effectively random. A second pass is needed only when nearly everything was read since the last sweep.
            for (var pass = 0; pass < 2 && Count > target; pass++)
            {
                foreach (var (token, entry) in _entries)
                {
                    if (Count <= target)
                    {
                        break;
                    }

                    if (entry.Used)
                    {
                        entry.Used = false;
                    }
                    else
                    {
                        TryRemove(token, entry);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void TryRemove(string token, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(token, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private sealed class Entry(TValue value)
    {
        public readonly TValue Value = value;

        // Set by a read, cleared by a sweep. A torn or lost update only changes which entry a sweep evicts.
        public bool Used;
    }
}
