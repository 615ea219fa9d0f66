namespace Sesame.Client.Internal;

/// <summary>Wire names of the session protocol.</summary>
internal static class HeaderNames
{
    public const string Rid = "rid";
    public const string AuthMode = "st-auth-mode";
    public const string AntiCsrf = "anti-csrf";
    public const string FrontToken = "front-token";
    public const string AccessToken = "st-access-token";
    public const string RefreshToken = "st-refresh-token";
    public const string FdiVersion = "fdi-version";
    public const string Authorization = "Authorization";
    public const string Cookie = "Cookie";
    public const string SetCookie = "Set-Cookie";
    public const string Remove = "remove";
    public const string RidAntiCsrf = "anti-csrf";
    public const string RidSession = "session";
    public const string FdiVersions = "1.16,1.17,1.18,1.19,2.0,3.0,3.1,4.0,4.1,4.2";
    public const string DoNotIntercept = "superTokensDoNotDoInterception";
    public const string LegacyIdRefreshCookie = "sIdRefreshToken";
}
