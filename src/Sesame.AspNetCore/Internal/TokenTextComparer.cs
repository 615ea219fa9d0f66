#if !NET9_0_OR_GREATER
#pragma warning disable CA1822 // the span members implement IAlternateEqualityComparer on .NET 9+ only
#endif

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Ordinal equality of whole token texts, hashed over the last characters only. A ~1 KB token hashed whole (randomised Marvin) cost
/// more than the rest of the lookup; its tail is the RS256 signature, as unpredictable as the whole. Equality still compares every
/// character, so a hash collision can only cost a comparison, never a false hit; and only verified tokens are stored, so a client
/// cannot fill a bucket with texts it chose.
/// </summary>
internal sealed class TokenTextComparer : IEqualityComparer<string>
#if NET9_0_OR_GREATER
    , IAlternateEqualityComparer<ReadOnlySpan<char>, string>
#endif
{
    private const int HashedTail = 48;

    public static readonly TokenTextComparer Instance = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    public int GetHashCode(string obj) => GetHashCode(obj.AsSpan());

    public bool Equals(ReadOnlySpan<char> alternate, string other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<char> alternate) =>
        string.GetHashCode(alternate.Length <= HashedTail ? alternate : alternate[^HashedTail..]);

    public string Create(ReadOnlySpan<char> alternate) => alternate.ToString();
}
