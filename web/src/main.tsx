import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles.css';

// No StrictMode: its development double mount would tear down the widget's zoid frame mid-render.
const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
