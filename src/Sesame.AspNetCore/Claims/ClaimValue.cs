namespace Sesame.AspNetCore.Claims;

/// <summary>
/// A claim value that may be absent: what a fetcher returns (absent = leave the payload as it is, as the reference's <c>undefined</c>)
/// and what reading a claim from a payload gives. A <typeparamref name="T"/> converts to it implicitly, so a fetcher can <c>return true;</c>.
/// </summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct ClaimValue<T> : IEquatable<ClaimValue<T>>
{
    private readonly T _value;

    /// <summary>A present value.</summary>
    /// <param name="value">The value.</param>
    public ClaimValue(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>No value (the same as <see langword="default"/>).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "As Nullable<T>: the natural spelling at the call site.")]
    public static ClaimValue<T> None => default;

    /// <summary>Whether there is a value.</summary>
    public bool HasValue { get; }

    /// <summary>The value; throws <see cref="InvalidOperationException"/> when there is none.</summary>
    public T Value => HasValue ? _value : throw new InvalidOperationException("The claim has no value.");

    /// <summary>The value, or <paramref name="fallback"/> when there is none.</summary>
    /// <param name="fallback">What to give without a value.</param>
    /// <returns>The value or the fallback.</returns>
    public T GetValueOrDefault(T fallback) => HasValue ? _value : fallback;

    /// <summary>Wraps a present value.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator ClaimValue<T>(T value) => new(value);

    /// <summary>Wraps a present value (the named form of the implicit conversion).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The wrapped value.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The named form CA2225 asks for beside the conversion.")]
    public static ClaimValue<T> FromT(T value) => new(value);

    /// <inheritdoc />
    public bool Equals(ClaimValue<T> other) => HasValue == other.HasValue && (!HasValue || EqualityComparer<T>.Default.Equals(_value, other._value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ClaimValue<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HasValue ? HashCode.Combine(true, _value) : 0;

    /// <summary>Equality of two claim values.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    public static bool operator ==(ClaimValue<T> left, ClaimValue<T> right) => left.Equals(right);

    /// <summary>Inequality of two claim values.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    public static bool operator !=(ClaimValue<T> left, ClaimValue<T> right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => HasValue ? _value?.ToString() ?? "null" : "(none)";
}
