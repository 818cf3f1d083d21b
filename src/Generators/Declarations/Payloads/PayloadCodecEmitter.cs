using System.Collections.Generic;
using System.Linq;
using System.Text;
using Resident.Generators.Model;

namespace Resident.Generators.Emitting;

/// <summary>
/// Writes the JSON payload codecs of <c>[BackgroundTask]</c> and <c>[AsyncEvent]</c> types: one file-local
/// <c>PayloadCodec&lt;T&gt;</c> per type with hand-written <c>Utf8JsonWriter</c>/<c>Utf8JsonReader</c> code (no
/// reflection, so NativeAOT-clean), and one helper class that checks every token and throws <c>JsonException</c>.
/// </summary>
internal static class PayloadCodecEmitter
{
    private const string Json = "global::System.Text.Json";
    private const string TokenType = Json + ".JsonTokenType";
    private const string Helper = "ResidentPayloadJson";

    private static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"Resident.Generators\", \"{ThisAssembly.Version}\")]";

    /// <summary>A unique codec class name per payload type (a type both task and event shares one codec).</summary>
    public static Dictionary<string, string> ClassNames(IEnumerable<PayloadCodecSpec> codecs)
    {
        var names = new Dictionary<string, string>(System.StringComparer.Ordinal);
        var used = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var codec in codecs)
        {
            if (names.ContainsKey(codec.TypeName))
            {
                continue;
            }

            var name = new StringBuilder("ResidentPayloadCodec_");
            foreach (var c in codec.TypeName.StartsWith("global::", System.StringComparison.Ordinal) ? codec.TypeName.Substring(8) : codec.TypeName)
            {
                name.Append(char.IsLetterOrDigit(c) ? c : '_');
            }

            var unique = name.ToString();
            for (var suffix = 2; !used.Add(unique); suffix++)
            {
                unique = name + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            names.Add(codec.TypeName, unique);
        }

        return names;
    }

    /// <summary>Writes the helper and every codec, after the manifest class.</summary>
    public static void Emit(SourceWriter writer, IReadOnlyList<PayloadCodecSpec> codecs, Dictionary<string, string> classNames)
    {
        if (codecs.Count == 0)
        {
            return;
        }

        // JSON null is accepted for every reference member whatever its annotation, so the codecs are oblivious.
        writer.Line()
            .Line("#nullable disable");
        EmitHelper(writer);
        var emitted = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var codec in codecs)
        {
            if (emitted.Add(codec.TypeName))
            {
                EmitCodec(writer, codec, classNames[codec.TypeName]);
            }
        }
    }

    private static void EmitCodec(SourceWriter writer, PayloadCodecSpec codec, string className)
    {
        var type = codec.TypeName;
        writer.Line()
            .Line($"/// <summary>Writes and reads the payload of {Escape(codec.DisplayName)} as JSON, without reflection.</summary>")
            .Line(GeneratedCode)
            .Open($"file sealed class {className} : global::{KnownNames.PayloadCodec.Substring(0, KnownNames.PayloadCodec.IndexOf('`'))}<{type}>")
            .Open($"public override void Write({Json}.Utf8JsonWriter writer, {type} value)")
            .Line("global::System.ArgumentNullException.ThrowIfNull(writer);")
            .Line("global::System.ArgumentNullException.ThrowIfNull(value);")
            .Line("writer.WriteStartObject();");
        for (var index = 0; index < codec.Members.Count; index++)
        {
            var member = codec.Members[index];
            writer.Line($"writer.WritePropertyName({CSharpLiteral.String(member.JsonName)}u8);");
            WriteMember(writer, member, $"value.{member.Name}", index);
        }

        writer.Line("writer.WriteEndObject();")
            .Close()
            .Line()
            .Open($"public override {type} Read(ref {Json}.Utf8JsonReader reader)")
            .Line($"{Helper}.ExpectObject(ref reader, {CSharpLiteral.String(codec.DisplayName)});");
        for (var index = 0; index < codec.Members.Count; index++)
        {
            var member = codec.Members[index];
            writer.Line($"{member.TypeName} p{index} = {member.DefaultValue ?? "default"};");
            if (member.Assignment is PayloadAssignment.Init or PayloadAssignment.Setter)
            {
                writer.Line($"bool has{index} = false;");
            }
        }

        writer.Open($"while ({Helper}.NextProperty(ref reader))");
        for (var index = 0; index < codec.Members.Count; index++)
        {
            var member = codec.Members[index];
            writer.Open($"{(index == 0 ? "" : "else ")}if (reader.ValueTextEquals({CSharpLiteral.String(member.JsonName)}u8))")
                .Line($"{Helper}.NextValue(ref reader);");
            ReadMember(writer, member, index);
            if (member.Assignment is PayloadAssignment.Init or PayloadAssignment.Setter)
            {
                writer.Line($"has{index} = true;");
            }

            writer.Close();
        }

        if (codec.Members.Count == 0)
        {
            writer.Line($"{Helper}.Skip(ref reader);");
        }
        else
        {
            writer.Open("else")
                .Line($"{Helper}.Skip(ref reader);")
                .Close();
        }

        writer.Close().Line();
        Construct(writer, codec);
        writer.Line("return result;")
            .Close()
            .Close();
    }

    private static void Construct(SourceWriter writer, PayloadCodecSpec codec)
    {
        var creation = $"new {codec.TypeName}({string.Join(", ", codec.ConstructorArguments.Select(index => "p" + index))})";
        var members = codec.Members.Select((member, index) => (member, index)).ToList();
        var required = members.Where(pair => pair.member.Assignment == PayloadAssignment.Required).Select(pair => $"{pair.member.Name} = p{pair.index}").ToList();
        var init = members.Where(pair => pair.member.Assignment == PayloadAssignment.Init).ToList();
        if (init.Count == 0)
        {
            writer.Line($"var result = {Initialized(creation, required)};");
        }
        else
        {
            // An init member the JSON lacks keeps the default the type gives it: read from an instance built without it.
            writer.Line($"{codec.TypeName} result;")
                .Open($"if ({string.Join(" && ", init.Select(pair => "has" + pair.index))})")
                .Line($"result = {Initialized(creation, required.Concat(init.Select(pair => $"{pair.member.Name} = p{pair.index}")).ToList())};")
                .Close()
                .Open("else")
                .Line($"var defaults = {Initialized(creation, required)};")
                .Line($"result = {Initialized(creation, required.Concat(init.Select(pair => $"{pair.member.Name} = has{pair.index} ? p{pair.index} : defaults.{pair.member.Name}")).ToList())};")
                .Close();
        }

        foreach (var (member, index) in members.Where(pair => pair.member.Assignment == PayloadAssignment.Setter))
        {
            writer.Open($"if (has{index})")
                .Line($"result.{member.Name} = p{index};")
                .Close();
        }
    }

    private static string Initialized(string creation, List<string> assignments) =>
        assignments.Count == 0 ? creation : $"{creation} {{ {string.Join(", ", assignments)} }}";

    private static void WriteMember(SourceWriter writer, PayloadMemberSpec member, string access, int index)
    {
        if (member.Collection == PayloadCollection.None)
        {
            WriteValue(writer, member.Value, access, $"v{index}");
            return;
        }

        writer.Open($"if ({access} is {{ }} items{index})")
            .Line("writer.WriteStartArray();")
            .Open($"foreach (var item{index} in items{index})");
        WriteValue(writer, member.Value, $"item{index}", $"itemValue{index}");
        writer.Close()
            .Line("writer.WriteEndArray();")
            .Close()
            .Open("else")
            .Line("writer.WriteNullValue();")
            .Close();
    }

    private static void WriteValue(SourceWriter writer, PayloadValueSpec value, string access, string temporary)
    {
        if (!value.Nullable)
        {
            writer.Line(WriteStatement(value, access));
            return;
        }

        writer.Open($"if ({access} is {{ }} {temporary})")
            .Line(WriteStatement(value, temporary))
            .Close()
            .Open("else")
            .Line("writer.WriteNullValue();")
            .Close();
    }

    // Writes one non-null value (a reference one may still be null: the helpers write JSON null for it).
    private static string WriteStatement(PayloadValueSpec value, string expression) => value.Kind switch
    {
        PayloadValueKind.String => $"{Helper}.WriteString(writer, {expression});",
        PayloadValueKind.Bytes => $"{Helper}.WriteBytes(writer, {expression});",
        PayloadValueKind.Boolean => $"writer.WriteBooleanValue({expression});",
        PayloadValueKind.Single => $"{Helper}.WriteSingle(writer, {expression});",
        PayloadValueKind.Double => $"{Helper}.WriteDouble(writer, {expression});",
        PayloadValueKind.Char => $"{Helper}.WriteChar(writer, {expression});",
        PayloadValueKind.TimeSpan => $"{Helper}.WriteTimeSpan(writer, {expression});",
        PayloadValueKind.Guid or PayloadValueKind.DateTime or PayloadValueKind.DateTimeOffset => $"writer.WriteStringValue({expression});",
        PayloadValueKind.Enum => $"writer.WriteNumberValue(({Keyword(value.EnumUnderlying)}){expression});",
        _ => $"writer.WriteNumberValue({expression});",
    };

    private static void ReadMember(SourceWriter writer, PayloadMemberSpec member, int index)
    {
        var name = CSharpLiteral.String(member.JsonName);
        if (member.Collection == PayloadCollection.None)
        {
            writer.Line($"p{index} = {ReadExpression(member.Value, name)};");
            return;
        }

        writer.Open($"if (reader.TokenType == {TokenType}.Null)")
            .Line($"p{index} = null;")
            .Close()
            .Open("else")
            .Line($"{Helper}.ExpectArray(ref reader, {name});")
            .Line($"var list{index} = new global::System.Collections.Generic.List<{member.Value.TypeName}>();")
            .Open($"while ({Helper}.NextItem(ref reader))")
            .Line($"list{index}.Add({ReadExpression(member.Value, name)});")
            .Close()
            .Line($"p{index} = list{index}{(member.Collection == PayloadCollection.Array ? ".ToArray()" : "")};")
            .Close();
    }

    private static string ReadExpression(PayloadValueSpec value, string name)
    {
        var read = value.Kind == PayloadValueKind.Enum
            ? $"({EnumTypeName(value)}){Helper}.Read{value.EnumUnderlying}(ref reader, {name})"
            : $"{Helper}.Read{value.Kind}(ref reader, {name})";
        return value.Nullable ? $"reader.TokenType == {TokenType}.Null ? default({value.TypeName}) : {read}" : read;
    }

    // The enum itself: a nullable one's type name ends in '?'.
    private static string EnumTypeName(PayloadValueSpec value) =>
        value.Nullable && value.TypeName.EndsWith("?", System.StringComparison.Ordinal) ? value.TypeName.Substring(0, value.TypeName.Length - 1) : value.TypeName;

    private static string Keyword(PayloadValueKind kind) => kind switch
    {
        PayloadValueKind.Byte => "byte",
        PayloadValueKind.SByte => "sbyte",
        PayloadValueKind.Int16 => "short",
        PayloadValueKind.UInt16 => "ushort",
        PayloadValueKind.UInt32 => "uint",
        PayloadValueKind.Int64 => "long",
        PayloadValueKind.UInt64 => "ulong",
        _ => "int",
    };

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>The helper class every codec of the file uses.</summary>
    public static void EmitHelper(SourceWriter writer)
    {
        writer.Line()
            .Line("/// <summary>Moves through payload JSON and reads its values for the generated codecs; any mismatch is a JsonException.</summary>")
            .Line(GeneratedCode)
            .Open($"file static class {Helper}")
            .Open("public static void ExpectObject(ref " + Json + ".Utf8JsonReader reader, string type)")
            .Open($"if (reader.TokenType != {TokenType}.StartObject)")
            .Line($"throw new {Json}.JsonException($\"A {{type}} payload must be a JSON object, not {{reader.TokenType}}.\");")
            .Close()
            .Close()
            .Line()
            .Open("public static bool NextProperty(ref " + Json + ".Utf8JsonReader reader)")
            .Line("Next(ref reader);")
            .Line($"return reader.TokenType != {TokenType}.EndObject;")
            .Close()
            .Line()
            .Line("public static void NextValue(ref " + Json + ".Utf8JsonReader reader) => Next(ref reader);")
            .Line()
            .Open("public static bool NextItem(ref " + Json + ".Utf8JsonReader reader)")
            .Line("Next(ref reader);")
            .Line($"return reader.TokenType != {TokenType}.EndArray;")
            .Close()
            .Line()
            .Open("public static void ExpectArray(ref " + Json + ".Utf8JsonReader reader, string member)")
            .Open($"if (reader.TokenType != {TokenType}.StartArray)")
            .Line("throw Mismatch(member, \"an array\", reader.TokenType);")
            .Close()
            .Close()
            .Line()
            .Open("public static void Skip(ref " + Json + ".Utf8JsonReader reader)")
            .Open("if (!reader.TrySkip())")
            .Line("throw Incomplete();")
            .Close()
            .Close()
            .Line()
            .Line("public static string ReadString(ref " + Json + ".Utf8JsonReader reader, string member) => reader.TokenType switch")
            .Line("{")
            .Indent()
            .Line($"{TokenType}.Null => null,")
            .Line($"{TokenType}.String => Text(ref reader, member),")
            .Line("_ => throw Mismatch(member, \"a string\", reader.TokenType),")
            .Outdent()
            .Line("};")
            .Line()
            .Line("public static bool ReadBoolean(ref " + Json + ".Utf8JsonReader reader, string member) => reader.TokenType switch")
            .Line("{")
            .Indent()
            .Line($"{TokenType}.True => true,")
            .Line($"{TokenType}.False => false,")
            .Line("_ => throw Mismatch(member, \"true or false\", reader.TokenType),")
            .Outdent()
            .Line("};")
            .Line()
            .Open("public static byte[] ReadBytes(ref " + Json + ".Utf8JsonReader reader, string member)")
            .Open($"if (reader.TokenType == {TokenType}.Null)")
            .Line("return null;")
            .Close()
            .Line()
            .Line($"return reader.TokenType == {TokenType}.String && reader.TryGetBytesFromBase64(out var value) ? value : throw Mismatch(member, \"a base64 string\", reader.TokenType);")
            .Close();

        foreach (var (kind, type) in new[]
                 {
                     ("Byte", "byte"), ("SByte", "sbyte"), ("Int16", "short"), ("UInt16", "ushort"), ("Int32", "int"),
                     ("UInt32", "uint"), ("Int64", "long"), ("UInt64", "ulong"), ("Decimal", "decimal"),
                 })
        {
            writer.Line()
                .Line($"public static {type} Read{kind}(ref {Json}.Utf8JsonReader reader, string member) =>")
                .Indent()
                .Line($"reader.TokenType == {TokenType}.Number && reader.TryGet{kind}(out var value) ? value : throw Mismatch(member, \"{(kind == "Decimal" ? "a decimal" : "an integer")} number in the range of {type}\", reader.TokenType);")
                .Outdent();
        }

        foreach (var (kind, type) in new[] { ("Single", "float"), ("Double", "double") })
        {
            writer.Line()
                .Open($"public static {type} Read{kind}(ref {Json}.Utf8JsonReader reader, string member)")
                .Open($"if (reader.TokenType == {TokenType}.Number && reader.TryGet{kind}(out var value))")
                .Line("return value;")
                .Close()
                .Line()
                .Line("// Not finite: written as the names .NET and JavaScript use.")
                .Open($"if (reader.TokenType == {TokenType}.String)")
                .Open("if (reader.ValueTextEquals(\"NaN\"u8))")
                .Line($"return {type}.NaN;")
                .Close()
                .Line()
                .Open("if (reader.ValueTextEquals(\"Infinity\"u8))")
                .Line($"return {type}.PositiveInfinity;")
                .Close()
                .Line()
                .Open("if (reader.ValueTextEquals(\"-Infinity\"u8))")
                .Line($"return {type}.NegativeInfinity;")
                .Close()
                .Close()
                .Line()
                .Line("throw Mismatch(member, \"a number\", reader.TokenType);")
                .Close()
                .Line()
                .Open($"public static void Write{kind}({Json}.Utf8JsonWriter writer, {type} value)")
                .Open($"if ({type}.IsFinite(value))")
                .Line("writer.WriteNumberValue(value);")
                .Close()
                .Open("else")
                .Line($"writer.WriteStringValue({type}.IsNaN(value) ? \"NaN\" : value > 0 ? \"Infinity\" : \"-Infinity\");")
                .Close()
                .Close();
        }

        writer.Line()
            .Open("public static char ReadChar(ref " + Json + ".Utf8JsonReader reader, string member)")
            .Open($"if (reader.TokenType == {TokenType}.String && Text(ref reader, member) is {{ Length: 1 }} text)")
            .Line("return text[0];")
            .Close()
            .Line()
            .Line("throw Mismatch(member, \"a one-character string\", reader.TokenType);")
            .Close()
            .Line()
            .Line("public static global::System.Guid ReadGuid(ref " + Json + ".Utf8JsonReader reader, string member) =>")
            .Indent()
            .Line($"reader.TokenType == {TokenType}.String && reader.TryGetGuid(out var value) ? value : throw Mismatch(member, \"a GUID string\", reader.TokenType);")
            .Outdent()
            .Line()
            .Line("public static global::System.DateTime ReadDateTime(ref " + Json + ".Utf8JsonReader reader, string member) =>")
            .Indent()
            .Line($"reader.TokenType == {TokenType}.String && reader.TryGetDateTime(out var value) ? value : throw Mismatch(member, \"an ISO 8601 date string\", reader.TokenType);")
            .Outdent()
            .Line()
            .Line("public static global::System.DateTimeOffset ReadDateTimeOffset(ref " + Json + ".Utf8JsonReader reader, string member) =>")
            .Indent()
            .Line($"reader.TokenType == {TokenType}.String && reader.TryGetDateTimeOffset(out var value) ? value : throw Mismatch(member, \"an ISO 8601 date string\", reader.TokenType);")
            .Outdent()
            .Line()
            .Line("public static global::System.TimeSpan ReadTimeSpan(ref " + Json + ".Utf8JsonReader reader, string member) =>")
            .Indent()
            .Line($"reader.TokenType == {TokenType}.String && global::System.TimeSpan.TryParseExact(Text(ref reader, member), \"c\", global::System.Globalization.CultureInfo.InvariantCulture, out var value)")
            .Indent()
            .Line("? value")
            .Line(": throw Mismatch(member, \"a time span string ([-][d.]hh:mm:ss[.fffffff])\", reader.TokenType);")
            .Outdent()
            .Outdent()
            .Line()
            .Open($"public static void WriteString({Json}.Utf8JsonWriter writer, string value)")
            .Open("if (value is null)")
            .Line("writer.WriteNullValue();")
            .Close()
            .Open("else")
            .Line("writer.WriteStringValue(value);")
            .Close()
            .Close()
            .Line()
            .Open($"public static void WriteBytes({Json}.Utf8JsonWriter writer, byte[] value)")
            .Open("if (value is null)")
            .Line("writer.WriteNullValue();")
            .Close()
            .Open("else")
            .Line("writer.WriteBase64StringValue(value);")
            .Close()
            .Close()
            .Line()
            .Line($"public static void WriteChar({Json}.Utf8JsonWriter writer, char value) => writer.WriteStringValue(value.ToString());")
            .Line()
            .Line($"public static void WriteTimeSpan({Json}.Utf8JsonWriter writer, global::System.TimeSpan value) =>")
            .Indent()
            .Line("writer.WriteStringValue(value.ToString(\"c\", global::System.Globalization.CultureInfo.InvariantCulture));")
            .Outdent()
            .Line()
            .Line($"private static void Next(ref {Json}.Utf8JsonReader reader)")
            .Line("{")
            .Indent()
            .Open("if (!reader.Read())")
            .Line("throw Incomplete();")
            .Close()
            .Close()
            .Line()
            .Line("// A string that is not valid UTF-8 is malformed JSON too.")
            .Open($"private static string Text(ref {Json}.Utf8JsonReader reader, string member)")
            .Open("try")
            .Line("return reader.GetString();")
            .Close()
            .Open("catch (global::System.InvalidOperationException exception)")
            .Line($"throw new {Json}.JsonException($\"The payload member '{{member}}' is not valid UTF-8.\", exception);")
            .Close()
            .Close()
            .Line()
            .Line($"private static {Json}.JsonException Incomplete() => new(\"The payload JSON ends before its object does.\");")
            .Line()
            .Line($"private static {Json}.JsonException Mismatch(string member, string expected, {TokenType} found) =>")
            .Indent()
            .Line("new($\"The payload member '{member}' must be {expected}, not {found}.\");")
            .Outdent()
            .Close();
    }
}
