namespace Sesame.AspNetCore;

/// <summary>Names and values of the Sesame protocol that apps need to configure around it (CORS, schemes).</summary>
public static class SesameDefaults
{
    /// <summary>The authentication scheme name, <c>Sesame</c>.</summary>
    public const string AuthenticationScheme = "Sesame";

    /// <summary>Request headers a cross-origin client sends; add them to the CORS policy's allowed headers.</summary>
    public static IReadOnlyList<string> CorsAllowedHeaders { get; } =
        ["rid", "fdi-version", "anti-csrf", "authorization", "st-auth-mode", "content-type"];

    /// <summary>Response headers a cross-origin client must read; add them to the CORS policy's exposed headers.</summary>
    public static IReadOnlyList<string> CorsExposedHeaders { get; } =
        ["front-token", "anti-csrf", "st-access-token", "st-refresh-token"];
}
