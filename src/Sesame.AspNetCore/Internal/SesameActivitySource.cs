using System.Diagnostics;

namespace Sesame.AspNetCore.Internal;

/// <summary>The server's <see cref="ActivitySource"/> "Sesame.AspNetCore": one span, "Sesame.AspNetCore.Refresh", per refresh request.
/// <c>StartActivity</c> returns null (no allocation) when nobody listens.</summary>
internal static class SesameActivitySource
{
    public const string Name = "Sesame.AspNetCore";
    public const string RefreshActivityName = "Sesame.AspNetCore.Refresh";

    public static readonly string? Version = typeof(SesameActivitySource).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource Instance = new(Name, Version);
}
