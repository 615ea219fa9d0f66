namespace Sesame.Testing.Server; internal static class Placeholder { }
