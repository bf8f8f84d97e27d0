<?xml version="1.0" encoding="UTF-8"?>
<!-- The text of an issued document's body, one line per w:p, for documents/read.py.

     Body order, tables included; a text box's paragraphs (w:p inside a w:p) come out once, before the
     paragraph that holds them; the VML copy of a text box (mc:Fallback) and tracked moved-away text
     (w:moveFrom) are skipped; a run's w:tab/w:ptab is a tab and its w:br/w:cr a line break; text
     outside any paragraph is ignored. Transitional and Strict namespaces alike. Run by libxslt (C):
     about half the cost of walking the tree from Python. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
                xmlns:s="http://purl.oclc.org/ooxml/wordprocessingml/main"
                xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/">
    <xsl:apply-templates select="w:document/w:body | s:document/s:body" mode="find"/>
  </xsl:template>

  <!-- "find": look for paragraphs, saying nothing else -->
  <xsl:template match="w:p | s:p" mode="find">
    <xsl:apply-templates mode="find"/>
    <xsl:apply-templates mode="text"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="mc:Fallback | w:moveFrom | s:moveFrom | text()" mode="find"/>
  <xsl:template match="*" mode="find">
    <xsl:apply-templates mode="find"/>
  </xsl:template>

  <!-- "text": one paragraph's own text, leaving the paragraphs inside it to "find" -->
  <xsl:template match="w:p | s:p | mc:Fallback | w:moveFrom | s:moveFrom | text()" mode="text"/>
  <xsl:template match="w:t | s:t" mode="text">
    <xsl:value-of select="."/>
  </xsl:template>
  <xsl:template match="w:r/w:tab | w:r/w:ptab | s:r/s:tab | s:r/s:ptab" mode="text">
    <xsl:text>&#9;</xsl:text>
  </xsl:template>
  <xsl:template match="w:r/w:br | w:r/w:cr | s:r/s:br | s:r/s:cr" mode="text">
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="*" mode="text">
    <xsl:apply-templates mode="text"/>
  </xsl:template>
</xsl:stylesheet>
