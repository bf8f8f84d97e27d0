<?xml version="1.0" encoding="UTF-8"?>
<!-- The text of one part of an issued document (the body, a header or footer, the footnotes...), one line
     per w:p, for documents/read.py.

     Part order, tables included; a text box's paragraphs (w:p inside a w:p) come out once, before the
     paragraph that holds them. Of an mc:AlternateContent the first mc:Choice is read when it holds any
     paragraph or text, else the mc:Fallback (the VML copy of a text box is read only when it is the only copy);
     tracked deletions (w:del) and moved-away text (w:moveFrom) are skipped, field codes (w:instrText) are
     not text, field results are. WordArt (v:textpath/@string) is a line of its own. A run laid out
     双行合一 (w:eastAsianLayout/@w:combine) is two names: its halves come out separated by a tab (with read.py). A run's
     w:tab/w:ptab is a tab and its w:br/w:cr a line break; text outside any paragraph is ignored.
     Transitional and Strict namespaces alike. Run by libxslt (C): about half the cost of walking the tree
     from Python. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
                xmlns:s="http://purl.oclc.org/ooxml/wordprocessingml/main"
                xmlns:v="urn:schemas-microsoft-com:vml"
                xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/">
    <xsl:apply-templates select="*" mode="find"/>
  </xsl:template>

  <!-- "find": look for paragraphs, saying nothing else. A paragraph in a table, text box, content control or
       frame that holds a 密 says where it stands: "&#xFDD0;place&#xFDD0;" before its text (U+FDD0 is a
       noncharacter, never in a document; read.py takes these out). Mode "in" is "find" inside such a
       container, carrying its name; body paragraphs pay nothing for it. -->
  <xsl:template match="w:p | s:p" mode="find">
    <xsl:apply-templates mode="find"/>
    <xsl:apply-templates mode="text"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="w:p | s:p" mode="in">
    <xsl:param name="place"/>
    <xsl:apply-templates mode="find"/>
    <xsl:if test="contains(., '密')">&#xFDD0;<xsl:value-of select="$place"/>&#xFDD0;</xsl:if>
    <xsl:apply-templates mode="text"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="mc:AlternateContent" mode="find">
    <xsl:choose>
      <xsl:when test="mc:Choice[1][.//w:t or .//s:t or .//w:p or .//s:p] or not(mc:Fallback)">
        <xsl:apply-templates select="mc:Choice[1]" mode="find"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="mc:Fallback" mode="find"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="mc:AlternateContent" mode="in">
    <xsl:param name="place"/>
    <xsl:choose>
      <xsl:when test="mc:Choice[1][.//w:t or .//s:t or .//w:p or .//s:p] or not(mc:Fallback)">
        <xsl:apply-templates select="mc:Choice[1]" mode="in">
          <xsl:with-param name="place" select="$place"/>
        </xsl:apply-templates>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="mc:Fallback" mode="in">
          <xsl:with-param name="place" select="$place"/>
        </xsl:apply-templates>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="w:txbxContent | s:txbxContent | v:textbox" mode="find">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'textbox'"/></xsl:apply-templates>
  </xsl:template>
  <xsl:template match="w:txbxContent | s:txbxContent | v:textbox" mode="in">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'textbox'"/></xsl:apply-templates>
  </xsl:template>
  <xsl:template match="w:tc | s:tc" mode="find">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'table'"/></xsl:apply-templates>
  </xsl:template>
  <xsl:template match="w:tc | s:tc" mode="in">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'table'"/></xsl:apply-templates>
  </xsl:template>
  <xsl:template match="w:sdtContent | s:sdtContent" mode="find">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'content_control'"/></xsl:apply-templates>
  </xsl:template>
  <xsl:template match="w:sdtContent | s:sdtContent" mode="in">
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="'content_control'"/></xsl:apply-templates>
  </xsl:template>

  <xsl:template match="v:textpath[@string]" mode="find">
    <xsl:if test="contains(@string, '密')">&#xFDD0;textbox&#xFDD0;</xsl:if>
    <xsl:value-of select="@string"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="v:textpath[@string]" mode="in">
    <xsl:if test="contains(@string, '密')">&#xFDD0;textbox&#xFDD0;</xsl:if>
    <xsl:value-of select="@string"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="w:del | s:del | w:moveFrom | s:moveFrom | text()" mode="find"/>
  <xsl:template match="w:del | s:del | w:moveFrom | s:moveFrom | text()" mode="in"/>
  <xsl:template match="*" mode="find">
    <xsl:apply-templates mode="find"/>
  </xsl:template>
  <xsl:template match="*" mode="in">
    <xsl:param name="place"/>
    <xsl:apply-templates mode="in"><xsl:with-param name="place" select="$place"/></xsl:apply-templates>
  </xsl:template>

  <!-- "text": one paragraph's own text, leaving the paragraphs inside it to "find" -->
  <xsl:template match="w:p | s:p | w:del | s:del | w:moveFrom | s:moveFrom | text()" mode="text"/>
  <xsl:template match="mc:AlternateContent" mode="text">
    <xsl:choose>
      <xsl:when test="mc:Choice[1][.//w:t or .//s:t or .//w:p or .//s:p] or not(mc:Fallback)">
        <xsl:apply-templates select="mc:Choice[1]" mode="text"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="mc:Fallback" mode="text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- run-level containers say where a 密 in them stands, as above -->
  <xsl:template match="w:ins | s:ins | w:fldSimple | s:fldSimple | w:sdt | s:sdt" mode="text">
    <xsl:if test="contains(., '密')">
      <xsl:text>&#xFDD0;</xsl:text>
      <xsl:choose>
        <xsl:when test="self::w:ins or self::s:ins">insertion</xsl:when>
        <xsl:when test="self::w:sdt or self::s:sdt">content_control</xsl:when>
        <xsl:otherwise>field</xsl:otherwise>
      </xsl:choose>
      <xsl:text>&#xFDD0;</xsl:text>
    </xsl:if>
    <xsl:apply-templates mode="text"/>
  </xsl:template>
  <xsl:template match="w:t | s:t" mode="text">
    <xsl:value-of select="."/>
  </xsl:template>
  <xsl:template match="w:r/w:tab | w:r/w:ptab | s:r/s:tab | s:r/s:ptab" mode="text">
    <xsl:text>&#9;</xsl:text>
  </xsl:template>
  <xsl:template match="w:r/w:br | w:r/w:cr | s:r/s:br | s:r/s:cr" mode="text">
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <!-- A run laid out 双行合一: its text once more, before it, split in two halves by a tab and fenced by
       U+FDD1; read.py keeps the split copy (a template on w:r with a predicate would cost every run). -->
  <xsl:template match="w:eastAsianLayout[@w:combine and not(@w:combine='0' or @w:combine='false' or @w:combine='off')]"
                mode="text">
    <xsl:variable name="t">
      <xsl:for-each select="../../w:t">
        <xsl:value-of select="."/>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="half" select="ceiling(string-length($t) div 2)"/>
    <xsl:text>&#xFDD1;</xsl:text>
    <xsl:value-of select="substring($t, 1, $half)"/>
    <xsl:text>&#9;</xsl:text>
    <xsl:value-of select="substring($t, $half + 1)"/>
    <xsl:text>&#xFDD1;</xsl:text>
  </xsl:template>
  <xsl:template match="w:fldChar[@w:fldCharType='separate'] | s:fldChar[@s:fldCharType='separate']" mode="text">
    <xsl:if test="contains(../following-sibling::*[1], '密')">&#xFDD0;field&#xFDD0;</xsl:if>
  </xsl:template>
  <xsl:template match="w:framePr | s:framePr" mode="text">
    <xsl:if test="contains(../.., '密')">&#xFDD0;frame&#xFDD0;</xsl:if>
  </xsl:template>
  <xsl:template match="*" mode="text">
    <xsl:apply-templates mode="text"/>
  </xsl:template>
</xsl:stylesheet>
