using System.Text;
using System.Text.Json;

namespace Sesame.Conformance;

/// <summary>Writes answers the way the reference's Express server does (<c>res.send(string)</c> = text/html, <c>res.json</c>).</summary>
internal static class Responses
{
    public static Task EmptyAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    public static Task TextAsync(HttpContext context, int status, string text, string contentType = "text/html; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public static Task JsonAsync(HttpContext context, int status, string json) =>
        TextAsync(context, status, json, "application/json; charset=utf-8");

    /// <summary>The request body as JSON; an empty or malformed body reads as "undefined" (as body-parser leaves <c>req.body</c> empty).</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
