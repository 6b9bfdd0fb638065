/** Svelte compiles `<script lang="ts">` itself: type-only TypeScript needs no preprocessor. */
export default {
  compilerOptions: { runes: true },
};
