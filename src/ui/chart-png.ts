/**
 * SVG → PNG in the page: the chart's markup (it carries its own <style>) is loaded as an image from a data URL,
 * drawn on a white canvas at `scale` device pixels per SVG unit, and encoded as PNG. A data URL keeps the canvas
 * untainted, so toBlob works.
 */

/** The width and height of an <svg> from its viewBox (SVG units). */
function viewBoxSize(svg: SVGSVGElement): { width: number; height: number } {
  const vb = svg.viewBox.baseVal
  if (vb && vb.width > 0 && vb.height > 0) return { width: vb.width, height: vb.height }
  const r = svg.getBoundingClientRect()
  return { width: Math.max(1, r.width), height: Math.max(1, r.height) }
}

/** Rasterises an <svg> element to a PNG blob on a white background. */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const { width, height } = viewBoxSize(svg)
  const clone = svg.cloneNode(true) as SVGSVGElement
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
  clone.setAttribute('width', String(width))
  clone.setAttribute('height', String(height))
  const text = new XMLSerializer().serializeToString(clone)
  const img = new Image()
  img.decoding = 'sync'
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve()
    img.onerror = () => reject(new Error('the chart could not be drawn as an image'))
  })
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`
  await loaded
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(width * scale)
  canvas.height = Math.round(height * scale)
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('this browser has no 2D canvas to draw the PNG')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height)
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png')
  })
}

/** Offers a blob as a download named `fileName` (a temporary link, its URL revoked after the click). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A file-name-safe form of a title: letters, digits, '-', '_' and '.'. */
export function fileSafe(title: string): string {
  return title.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'chart'
}
