namespace Sesame.AspNetCore.Internal;

/// <summary>A small immutable set of claim names.</summary>
internal sealed class FrozenReservedClaims(string[] names)
{
    private readonly System.Collections.Frozen.FrozenSet<string> _names = System.Collections.Frozen.FrozenSet.ToFrozenSet(names, StringComparer.Ordinal);

    public bool Contains(string name) => _names.Contains(name);

    public IEnumerable<string> Names => _names;
}
